import KonaEngine

/// Registers `<path>.lookups_delayed` and `<path>.lookup_wait_ns` for a component's lookup
/// pipelines (`ports` reads them when the statistics are taken).
func registerLookupStatistics(_ path: String, _ stats: StatsRegistry, _ ports: @escaping () -> [LookupPort]) {
    stats.formula(path + ".lookups_delayed", "messages that found the lookup pipeline full and waited for a later cycle", unit: "messages") {
        .integer(ports().reduce(0) { $0 + $1.delayed })
    }
    stats.formula(path + ".lookup_wait_ns", "mean time a message waited to enter the lookup pipeline (over all messages)", unit: "ns") {
        let all = ports(), n = all.reduce(0) { $0 + $1.lookups }
        return .real(n == 0 ? 0 : Double(all.reduce(0) { $0 + $1.waitTime }) / Double(n) / 1000)
    }
}
