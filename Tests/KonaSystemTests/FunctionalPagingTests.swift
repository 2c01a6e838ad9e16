import Foundation
import Testing
import KonaConfig
import KonaEngine
import KonaSystem
import KonaWorkloads

/// The constrained case for the paging home: one in-order core with one access in flight,
/// reclaim only on demand (the watermarks at 1, so only a fault that finds no free frame
/// reclaims) one page at a time (a batch of 1: the core waits for the faulting page, which
/// waits for the one frame freed, so no page is still leaving when the core goes on), and
/// no readahead (a page read ahead arrives after the fault in the detailed model, which
/// counts a fault on it before it arrives).
let pagingOneAtATime = ["system.cores_per_socket=1", "core.model=in_order", "core.max_outstanding=1", "core.l2.mshrs=1",
                        "core.l1d.mshrs=1", "paging.reclaim.high_watermark=1", "paging.reclaim.low_watermark=1",
                        "paging.reclaim.batch=1", "paging.readahead=0"]

/// A small paged system: `smallKona`'s caches and a page cache of 32 pages.
let smallPaging = ["core.l1d.size=4KiB", "core.l1d.ways=4", "core.l2.size=16KiB", "core.l2.ways=4", "llc.size=64KiB",
                   "llc.ways=8", "paging.capacity=128KiB"]

@Suite struct FunctionalPagingTests {
    func value(_ counts: [(name: String, functional: UInt64, detailed: UInt64)], _ name: String) -> UInt64 {
        counts.first { $0.name == name }?.functional ?? 0
    }

    /// Every count of the functional model equals the detailed model's on a workload that
    /// faults, write-protect faults, reclaims and writes dirty pages back; CLOCK and LRU.
    @Test(arguments: ["clock", "lru"])
    func exactCountsOnASyntheticWorkload(victim: String) throws {
        let counts = try bothModels(pagingOverrides + pagingOneAtATime + smallPaging + [
            "paging.reclaim.victim=\(victim)", "fpga.range.size=4MiB", "workload.kind=zipfian", "workload.footprint=2MiB",
            "workload.accesses=6000", "workload.store_fraction=0.3"])
        for count in counts { #expect(count.functional == count.detailed, "\(count.name)") }
        #expect(value(counts, "paging.evictions") > 50, "the test should reclaim")
        #expect(value(counts, "paging.direct_reclaims") > 50)
        #expect(value(counts, "paging.wp_faults") > 10, "the test should take write-protect faults")
        #expect(value(counts, "paging.lines_written_back") > 0 && value(counts, "net.bytes_written") > 0)
    }

    /// The same on the recorded pigz trace (six threads on one core), a quarter of it local.
    @Test func exactCountsOnTheRecordedPigzTrace() throws {
        let trace = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pigz-head.ktr").path
        let counts = try bothModels(pagingOverrides + pagingOneAtATime + smallPaging + [
            "fpga.range.size=0B", "memory.remote_fraction=0.75", "workload.trace=\(trace)", "run.max_accesses=8000"])
        for count in counts { #expect(count.functional == count.detailed, "\(count.name)") }
        #expect(value(counts, "paging.faults") > 10)
    }

    /// The functional paging home's state handed to a detailed system mid-run: in the
    /// constrained case the detailed system counts over the second half exactly what the
    /// functional model counts (its end counts less those at the handover).
    @Test func aDetailedPagingSystemContinuesExactlyFromTheFunctionalState() throws {
        let config = try coherentConfig(pagingOverrides + pagingOneAtATime + smallPaging + [
            "fpga.range.size=4MiB", "workload.kind=zipfian", "workload.footprint=2MiB", "workload.accesses=6000",
            "workload.store_fraction=0.3"])
        let functional = try FunctionalRun(config: config)
        try functional.run(limit: 3000)
        let rest = functional.upcoming(3000, core: 0)
        #expect(rest.count == 3000)
        let detailed = Simulation(config: config, sources: [AccessList(rest)])
        functional.system.copyState(into: detailed.complexes, llcs: detailed.llcs, homes: detailed.homes, fpga: nil)
        functional.system.copyPagingState(into: try #require(detailed.paging))
        let half = Dictionary(uniqueKeysWithValues: functional.system.counts.map { ($0.name, $0.value) })
        let report = try detailed.run()
        try functional.run()
        var compared = 0
        for (name, end) in functional.system.counts {
            let value = UInt64(report.value(name)?.asDouble ?? -1)
            #expect(value == end - half[name]!, "\(name): detailed \(value), functional \(end) at the end, \(half[name]!) at the handover")
            compared += 1
        }
        #expect(compared > 20)
        #expect(UInt64(report.value("paging.evictions")?.asDouble ?? 0) > 20, "the second half should reclaim")
        #expect(UInt64(report.value("paging.wp_faults")?.asDouble ?? 0) > 5, "the second half should take write-protect faults")
    }

    /// The handed-over page table keeps the pages the first half made writable writable: on
    /// 16 remote pages, all resident and written in the first half, the detailed second half
    /// takes no fault of either kind (with every page clean in its page table it would take
    /// a write-protect fault on each).
    @Test func theHandedOverPageTableKeepsWritablePagesWritable() throws {
        let config = try coherentConfig(pagingOverrides + pagingOneAtATime + smallPaging + [
            "fpga.range.size=64KiB", "workload.kind=uniform", "workload.footprint=64KiB", "workload.accesses=4000",
            "workload.store_fraction=0.5"])
        let functional = try FunctionalRun(config: config)
        try functional.run(limit: 2000)
        let detailed = Simulation(config: config, sources: [AccessList(functional.upcoming(2000, core: 0))])
        functional.system.copyState(into: detailed.complexes, llcs: detailed.llcs, homes: detailed.homes, fpga: nil)
        functional.system.copyPagingState(into: try #require(detailed.paging))
        let before = Dictionary(uniqueKeysWithValues: functional.system.counts.map { ($0.name, $0.value) })
        let report = try detailed.run()
        try functional.run()
        let after = Dictionary(uniqueKeysWithValues: functional.system.counts.map { ($0.name, $0.value) })
        #expect(before["paging.faults"]! == 16 && after["paging.faults"]! == 16)
        #expect(before["paging.wp_faults"]! > 0 && after["paging.wp_faults"]! == before["paging.wp_faults"]!)
        #expect(report.value("paging.wp_faults")?.asDouble == 0 && report.value("paging.faults")?.asDouble == 0)
    }

    /// A sampled run of a small paged system on two cores: every estimate's interval holds
    /// the full detailed run's value.
    @Test func aSampledPagingRunBracketsTheDetailedValues() throws {
        let overrides = pagingOverrides + smallPaging + [
            "system.cores_per_socket=2", "paging.capacity=512KiB", "fpga.range.size=4MiB", "workload.kind=zipfian",
            "workload.footprint=2MiB", "workload.accesses=16000", "workload.store_fraction=0.3"]
        let detailed = try Simulation(config: try coherentConfig(overrides)).run()
        let config = try coherentConfig(overrides + ["run.sampling.enabled=true", "run.sampling.period=1600",
                                                     "run.sampling.detailed_warmup=200", "run.sampling.measure=400"])
        #expect(SampledRun.unsupported(config) == nil)
        let report = try SampledRun(config: config).run()
        #expect(report.units == 10)
        #expect(report.detailedAccesses < report.accesses / 2)
        let accesses = 32000.0
        for (name, value) in [("amat_ns", detailed.value("amat_ns")!.asDouble),
                              ("amat.remote_ns", detailed.value("amat.remote_ns")!.asDouble),
                              ("paging.faults_per_kilo_access", 1000 * detailed.value("paging.faults")!.asDouble / accesses),
                              ("net.bytes_read", detailed.value("net.bytes_read")!.asDouble)] {
            let estimate = try #require(report.estimate(name))
            #expect(estimate.low <= value && value <= estimate.high,
                    "\(name): detailed \(value), sampled \(estimate.mean) +- \(estimate.halfWidth)")
            #expect(estimate.halfWidth > 0)
        }
        #expect(report.exactCounts.contains { $0.name == "paging.faults" && $0.value > 100 })
    }
}
