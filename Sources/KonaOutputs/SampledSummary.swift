import KonaEngine
import KonaSystem

/// What `konasim run --sample` prints and writes: each estimate with its interval
/// (`AMAT 1144.9 +- 12.3 ns (99.7%)`), the functional model's exact counts, and the
/// statistics as `--stats-json` values (`<name>`, `<name>.ci_low`, `<name>.ci_high`,
/// `<name>.half_width`; the exact counts under their own names, or `functional.<name>` where
/// an estimate has the name; and `sampling.*`).
public enum SampledSummary {
    /// The summary text of `report`, a sampled run of `run` configured from `configName`.
    public static func render(_ report: SampledReport, run: SampledRun, configName: String, workload: String) -> String {
        let spec = run.config.sampling!
        let percent = Summary.fixed(100 * report.confidence, 1) + "%"
        var lines: [String] = []
        lines.append("KonaSim \(KonaVersion.string): \(configName), seed \(run.config.seed), sampled")
        lines.append("workload   \(workload)")
        let share = report.accesses == 0 ? 0 : 100 * Double(report.detailedAccesses) / Double(report.accesses)
        lines.append("sampling   \(report.units) units of \(Summary.grouped(spec.measure)) accesses per core after \(Summary.grouped(spec.detailedWarmup)) of warm-up, every \(Summary.grouped(spec.period)); \(Summary.grouped(report.detailedAccesses)) of \(Summary.grouped(report.accesses)) accesses detailed (\(Summary.fixed(share, 1))%)")
        for e in report.estimates {
            let label = e.label.padding(toLength: 28, withPad: " ", startingAt: 0)
            let digits = e.unit == "ratio" ? 4 : e.unit == "bytes" ? 0 : e.unit == "Gbps" ? 2 : e.unit == "instructions/cycle" ? 3 : 1
            var mean = e.mean, half = e.halfWidth, unit = e.unit
            if e.unit == "bytes" { (mean, half, unit) = (mean / 1_048_576, half / 1_048_576, "MiB") }
            if e.name == "sim.execution_time_ns" { (mean, half, unit) = (mean / 1e6, half / 1e6, "ms") }
            let d = unit == "MiB" || unit == "ms" ? 3 : digits
            lines.append("\(label) \(Summary.fixed(mean, d)) +- \(Summary.fixed(half, d)) \(unit == "ratio" ? "" : unit + " ")(\(percent), \(e.units) units)")
        }
        let exact = Dictionary(report.exactCounts.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        if let fetches = exact["fpga.fetches"] {
            lines.append("exact      (functional model, whole run) FMem \(Summary.grouped(exact["fpga.fmem.hits"] ?? 0)) hits, \(Summary.grouped(exact["fpga.fmem.misses"] ?? 0)) misses, \(Summary.grouped(fetches)) fetches, \(Summary.grouped(exact["fpga.evictions"] ?? 0)) evictions, \(Summary.grouped(exact["fpga.lines_written_back"] ?? 0)) lines written back")
        }
        if let faults = exact["paging.faults"] {
            lines.append("exact      (functional model, whole run) paging \(Summary.grouped(faults)) faults, \(Summary.grouped(exact["paging.page_ins"] ?? 0)) pages read, \(Summary.grouped(exact["paging.wp_faults"] ?? 0)) write-protect faults, \(Summary.grouped(exact["paging.evictions"] ?? 0)) evictions, \(Summary.grouped(exact["paging.lines_written_back"] ?? 0)) lines written back")
        }
        if report.trackers.count >= 3 {
            let x = report.trackers.prefix(3).map { Summary.fixed($0.value, 2) + "x" }
            lines.append("dirty amplification (shadow trackers, functional model)  64B \(x[0]), 4KiB \(x[1]), 2MiB \(x[2])")
        }
        lines.append("host       \(Summary.fixed(report.hostSeconds, 2)) s, \(Summary.fixed(Double(report.accesses) / max(report.hostSeconds, 1e-9) / 1e6, 2)) M accesses/s")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The statistics of `report` for `--stats-json`, sorted by name.
    public static func values(_ report: SampledReport) -> [(name: String, value: StatValue)] {
        var out: [(name: String, value: StatValue)] = []
        for e in report.estimates {
            out += [(e.name, .real(e.mean)), (e.name + ".ci_low", .real(e.low)), (e.name + ".ci_high", .real(e.high)),
                    (e.name + ".half_width", .real(e.halfWidth))]
        }
        let estimated = Set(report.estimates.map(\.name))
        out += report.exactCounts.map { (estimated.contains($0.name) ? "functional." + $0.name : $0.name, .integer($0.value)) }
        out += report.trackers.map { ($0.name, $0.name.hasPrefix("tracker.amplification") ? .real($0.value) : .integer(UInt64($0.value))) }
        out += [("sampling.units", .integer(UInt64(report.units))), ("sampling.accesses", .integer(report.accesses)),
                ("sampling.detailed_accesses", .integer(report.detailedAccesses)), ("sampling.confidence", .real(report.confidence))]
        if report.coresIdleInUnits { out.append(("sampling.idle_core_fraction", .real(report.idleCoreFraction))) }   // only then: the JSON of other runs stays as it was
        return out.sorted { $0.name < $1.name }
    }
}
