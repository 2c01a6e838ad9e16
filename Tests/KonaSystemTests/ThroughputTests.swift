import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
@testable import KonaSystem
import KonaWorkloads

/// The LLC's slices, the CPU home agent's directory and the FPGA's pipeline accept a bounded
/// number of messages per cycle; the rest queue.
@Suite struct ThroughputTests {
    /// Eight cores each load their own local line at t=0 over channels of unlimited
    /// bandwidth, so every request reaches the LLC (and then the home) at the same moment.
    private func eightLoads(_ overrides: [String]) throws -> [Tick] {
        var unlimited = ["system.cores_per_socket=8", "memory.bandwidth=100000GB/s", "fpga.range.size=0"]
        for channel in ["request", "snoop", "response", "data"] {
            unlimited += ["fabric.\(channel).bandwidth=0Gbps", "link.fpga.\(channel).bandwidth=0Gbps"]
        }
        let (s, _) = try runCoherent((0..<8).map { [load(UInt64($0) * 64)] }, unlimited + overrides)
        return s.cores.map { $0.latencySum / 1_000 }.sorted()      // ns (DRAM adds a picosecond per line)
    }

    @Test func oneLLCSliceTakesOneMessagePerCycle() throws {
        // With one slice the eight GetS enter the LLC one per 1 ns cycle, and so leave for the
        // home 1 ns apart; the home (8 per cycle here) and DRAM add nothing to the spread.
        let one = try eightLoads(["llc.slices=1", "home.lookups_per_cycle=8"])
        let many = try eightLoads(["llc.slices=8", "home.lookups_per_cycle=8"])
        #expect(many.allSatisfy { $0 == many[0] }, "eight slices serve the eight lines at once: \(many)")
        #expect(one == (0..<8).map { many[0] + UInt64($0) }, "got \(one)")
    }

    @Test func theHomeDirectoryTakesItsLookupsPerCycle() throws {
        // Eight slices, but a home that takes two messages per cycle: pairs 1 ns apart.
        let two = try eightLoads(["llc.slices=8", "home.lookups_per_cycle=2"])
        let base = two[0]
        #expect(two == [0, 0, 1, 1, 2, 2, 3, 3].map { base + UInt64($0) }, "got \(two)")
    }

    @Test func theDefaultsGiveEachCoreASliceAndTheHomeOneLookupPerCycle() throws {
        let c = try coherentConfig(["system.cores_per_socket=6"])
        #expect(c.llcSlices == 6 && c.llcLookupsPerCycle == 1 && c.homeLookupsPerCycle == 1)
    }

    @Test func theFPGAPipelineTakesOneMessagePerCycle() throws {
        // Eight requests for lines of one resident remote block reach the FPGA together; at
        // one per FPGA cycle (1 ns) their grants leave 1 ns apart.
        var setup = konaOverrides + ["system.cores_per_socket=8", "llc.slices=8", "home.lookups_per_cycle=8", "memory.bandwidth=100000GB/s", "fpga.fmem.latency=0ns",
                                     "fpga.fmem.bandwidth=100000GB/s"]
        for channel in ["request", "snoop", "response", "data"] {
            setup += ["fabric.\(channel).bandwidth=0Gbps", "link.fpga.\(channel).bandwidth=0Gbps"]
        }
        // cpu0 brings the block in; the others, about 3 us later, read the other lines of it.
        var streams: [[MemoryAccess]] = [[load(0)]]
        for c in 1..<8 {
            let own = (2 << 20) + UInt64(c) * 64             // a local line of its own, then 3,000 hits on it
            var stream = [load(own)]
            stream += Array(repeating: load(own), count: 3000).map { var a = $0; a.dependent = true; return a }
            var remote = load(UInt64(c) * 64)
            remote.dependent = true
            stream.append(remote)
            streams.append(stream)
        }
        let (s, r) = try runCoherent(streams, setup)
        #expect(integer(r, "fpga.fetches") == 1)
        let remote = s.cores.dropFirst().map { $0.lastCompletion }.sorted()
        #expect(remote.last! - remote.first! >= 6_000, "grants spread by the pipeline: \(remote))")
        #expect(integer(r, "fpga.lookups_delayed") >= 6)
    }
}
