import Foundation
import Testing
import KonaConfig
import KonaEngine
import KonaSystem

/// The constrained case in which the functional model's order of state changes is the
/// detailed model's: one in-order core with one access in flight, FMem evicting only on
/// demand (the watermarks at 1) and answering a miss when the whole block has arrived (with
/// `critical_first` the core's next access can reach a block still arriving, which the
/// detailed model counts as an FMem miss and the atomic model as a hit).
let oneAtATime = ["system.cores_per_socket=1", "core.model=in_order", "core.max_outstanding=1", "core.l2.mshrs=1",
                  "core.l1d.mshrs=1", "fpga.eviction.high_watermark=1", "fpga.eviction.low_watermark=1",
                  "fpga.fmem.fetch=whole"]

/// A small Kona system: 4 KiB L1D, 16 KiB L2, 64 KiB LLC, 128 KiB of FMem in 4 KiB blocks.
let smallKona = ["core.l1d.size=4KiB", "core.l1d.ways=4", "core.l2.size=16KiB", "core.l2.ways=4", "llc.size=64KiB",
                 "llc.ways=8", "fpga.fmem.size=128KiB", "fpga.fmem.ways=4"]

/// Runs `overrides` on the detailed and the functional model; expects the shadow trackers'
/// figures equal; returns every functional count beside the detailed statistic of its name.
func bothModels(_ overrides: [String]) throws -> [(name: String, functional: UInt64, detailed: UInt64)] {
    let config = try coherentConfig(overrides)
    let detailed = try Simulation(config: config).run()
    let functional = try FunctionalRun(config: config)
    try functional.run()
    for (g, name) in ["64B", "4KiB", "2MiB"].enumerated() {
        let value = detailed.value("tracker.amplification.\(name)")?.asDouble
        #expect(functional.tracker?.amplification(g) == value, "tracker.amplification.\(name)")
    }
    return functional.system.counts.map { count in
        let value = detailed.value(count.name)
        #expect(value != nil, "the detailed model has no statistic \(count.name)")
        return (count.name, count.value, UInt64(value?.asDouble ?? -1))
    }
}

@Suite struct FunctionalModelTests {

    @Test func exactCountsOnASyntheticWorkload() throws {
        let counts = try bothModels(konaOverrides + oneAtATime + smallKona + [
            "fpga.range.size=4MiB", "workload.kind=zipfian", "workload.footprint=2MiB", "workload.accesses=6000",
            "workload.store_fraction=0.3"])
        for count in counts { #expect(count.functional == count.detailed, "\(count.name)") }
        let evictions = counts.first { $0.name == "fpga.evictions" }?.functional ?? 0
        #expect(evictions > 20, "FMem evicted \(evictions) blocks: the test should exercise eviction")
        let written = counts.first { $0.name == "net.bytes_written" }?.functional ?? 0
        #expect(written > 0)
    }

    @Test func exactCountsOnTheRecordedPigzTrace() throws {
        let trace = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pigz-head.ktr").path
        let counts = try bothModels(konaOverrides + oneAtATime + smallKona + [
            "fpga.range.size=0B", "memory.remote_fraction=0.75", "workload.trace=\(trace)", "run.max_accesses=8000"])
        for count in counts { #expect(count.functional == count.detailed, "\(count.name)") }
        let fetches = counts.first { $0.name == "fpga.fetches" }?.functional ?? 0
        #expect(fetches > 10)
    }
}
