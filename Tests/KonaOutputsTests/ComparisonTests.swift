import Testing
@testable import KonaOutputs

private func metric(_ key: String) throws -> Comparison.Metric {
    try #require(Comparison.metrics.first { $0.key == key }, "no metric \(key)")
}

@Suite struct ComparisonTests {
    @Test func blocksBroughtInAreFetchesForKonaAndPageInsForPaging() throws {
        let m = try metric("blocks_in")
        #expect(m.label == "blocks / pages brought in")
        // Kona: FMem's fetches, not its misses (requests that found a block absent or in flight).
        #expect(m.value(["fpga.fetches": 708, "fpga.fmem.misses": 7788]) == 708)
        // Paging: pages read, not faults (one per core per page; a minor fault reads nothing).
        #expect(m.value(["paging.page_ins": 708, "paging.faults": 900, "paging.minor_faults": 40]) == 708)
        #expect(m.value(["amat_ns": 100]) == nil, "a run with neither mechanism")
    }

    /// Kona takes no write-protect faults (0); a sampled paging run has their count but no
    /// time in them (it needs simulated time outside the windows): unknown, not 0.
    @Test func writeProtectFaultTimeIsUnknownForASampledPagingRun() throws {
        let m = try metric("wp_fault_time_us")
        #expect(m.value(["amat_ns": 100]) == 0, "Kona")
        #expect(m.value(["amat_ns": 100, "paging.wp_faults": 12, "paging.wp_fault_time_ns": 12_000]) == 12, "detailed paging")
        #expect(m.value(["amat_ns": 100, "paging.wp_faults": 12]) == nil, "sampled paging")
    }

    @Test func executionTimeIsTheLastRetirementNotTheRunsEnd() throws {
        // A run ends after its last retirement when write-backs are still in flight.
        #expect(try metric("time_ms").value(["sim.execution_time_ns": 1_500_000, "sim.time_ns": 2_000_000]) == 1.5)
    }

    @Test func noOtherMetricIsNamedAfterOneMechanismsMisses() {
        for m in Comparison.metrics where m.key != "blocks_in" {
            for word in ["miss", "fetch", "page_in"] {
                #expect(!m.key.contains(word), "\(m.key) contains \(word)")
            }
        }
    }
}
