#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
import KonaOutputs
@testable import KonaSystem
import KonaWorkloads

/// hwconfigs/kona-artifact.yaml with `overrides`.
func konaArtifactConfig(_ overrides: [String]) throws -> SimulationConfig {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    return try SimulationConfig(KonaSchema.loader.load(path: root + "/hwconfigs/kona-artifact.yaml", overrides: overrides))
}

/// A chain of loads, each issued when the previous one has its data.
private func chain(_ addresses: [UInt64]) -> [MemoryAccess] {
    addresses.map { a in
        var access = load(a)
        access.dependent = true
        return access
    }
}

@Suite struct AnalyticalAMATTests {
    // MARK: The formula

    @Test func theFormulaIsTheArtifactsSum() {
        // 1000 accesses: 400 miss L1, 300 miss L2, 200 miss the LLC, 10 miss FMem:
        // 2 + 0.4 * 9 + 0.3 * 26 + 0.2 * 130 + 0.01 * 3110 = 2 + 3.6 + 7.8 + 26 + 31.1 = 70.5 ns.
        let counts = AnalyticalAMAT.Counts(accesses: 1000, l1Misses: 400, l2Misses: 300, l3Misses: 200, cacheMisses: 10)
        #expect(counts.rates == AnalyticalAMAT.MissRates(m1: 0.4, m2: 0.3, m3: 0.2, mCache: 0.01))
        #expect(abs(AnalyticalAMAT.amat(counts) - 70.5) < 1e-9)
        // Everything hits L1: just L1. Everything misses everywhere: 2 + 9 + 26 + 130 + 3110.
        #expect(AnalyticalAMAT.amat(AnalyticalAMAT.Counts(accesses: 5, l1Misses: 0, l2Misses: 0, l3Misses: 0, cacheMisses: 0)) == 2)
        #expect(AnalyticalAMAT.amat(AnalyticalAMAT.Counts(accesses: 5, l1Misses: 5, l2Misses: 5, l3Misses: 5, cacheMisses: 5)) == 3277)
        // Other latencies (the paging baselines': Cache = local DRAM 82 ns, Remote 10 us).
        let lego = AnalyticalAMAT.Latencies(l1: 2, l2: 9, l3: 26, cache: 82, remote: 10_000)
        #expect(abs(AnalyticalAMAT.amat(counts, lego) - (2 + 3.6 + 7.8 + 16.4 + 100)) < 1e-9)
        #expect(AnalyticalAMAT.amat(AnalyticalAMAT.Counts(accesses: 0, l1Misses: 0, l2Misses: 0, l3Misses: 0, cacheMisses: 0)) == 2)
    }

    // MARK: Idle latencies of hwconfigs/kona-artifact.yaml

    /// The latency of the last access of `addresses` (a dependent chain, one core), in ps:
    /// the chain's latency sum less that of the chain without it.
    static func lastLatency(_ addresses: [UInt64], _ overrides: [String]) throws -> Tick {
        func sum(_ a: [UInt64]) throws -> Tick {
            let c = try konaArtifactConfig(["system.cores_per_socket=1", "llc.size=1MiB"] + overrides)
            let s = Simulation(config: c, sources: [AccessList(chain(a))])
            _ = try s.run()
            return s.cores[0].latencySum
        }
        return try sum(addresses) - sum(Array(addresses.dropLast()))
    }

    @Test func idleLatenciesAreTheArtifactsAdditiveModel() throws {
        let local = ["memory.remote_fraction=0"]
        // The first MiB remote (FMem), the rest local.
        let split = ["memory.remote_fraction=0", "fpga.range.size=1MiB"]
        let page: UInt64 = 4096          // same L1D and L2 set (64 sets each), another LLC set
        // L1 hit: the line is in the L1D.
        let l1 = try Self.lastLatency([0, 8], local)
        // L2 hit: eight more lines of its set push it out of the 8-way L1D, not the 16-way L2.
        let l2 = try Self.lastLatency((0...8).map { $0 * page } + [0], local)
        // LLC hit: sixteen more push it out of the L2 (its clean eviction is acknowledged
        // during one more miss elsewhere); the LLC still has it.
        let llc = try Self.lastLatency((0...16).map { $0 * page } + [64, 0], local)
        // Local DRAM.
        let dram = try Self.lastLatency([0], local)
        // FMem miss: the line's block is fetched (whole) over the network.
        let fmemMiss = try Self.lastLatency([0], split)
        // FMem hit: another line of that block, once its fill has been written into FMem's DRAM
        // (64 lines at 19.2 GB/s, 213 ns: two local misses later).
        let fmemHit = try Self.lastLatency([0, 2 << 20, (2 << 20) + 64, 64], split)
        let rdma = Tick((try RDMAFitTests.idleLatency(write: false, bytes: 4096) * 1e6).rounded())
        print("kona-artifact.yaml idle latencies (ps): L1 \(l1), L2 \(l2), LLC \(llc), FMem hit \(fmemHit), FMem miss \(fmemMiss) (RDMA 4 KiB read \(rdma)), local DRAM \(dram)")
        #expect(l1 == 2_000)
        #expect(l2 == 11_000)
        #expect(llc == 37_000)
        #expect(fmemHit == 167_000)
        #expect(fmemMiss == 167_000 + rdma)
        #expect(dram == 119_000)
    }

    // MARK: KonaSim's AMAT against the formula

    @Test(arguments: ["16KiB", "48KiB", "512KiB"])
    func aPointerChasesAMATIsTheFormulasOnItsOwnMissCounts(_ footprint: String) throws {
        let c = try konaArtifactConfig(["system.cores_per_socket=1", "llc.size=1MiB", "memory.remote_fraction=1",
                                        "workload.kind=pointer_chase", "workload.footprint=\(footprint)",
                                        "workload.accesses=20000", "fpga.fmem.size=256KiB"])
        let s = try Simulation(config: c)
        let r = try s.run()
        let counts = try #require(AnalyticalAMAT.Counts(report: r))
        let simulated = r.value("amat_ns")!.asDouble
        let formula = AnalyticalAMAT.amat(counts)
        let rdma = try RDMAFitTests.idleLatency(write: false, bytes: 4096) * 1000
        var own = AnalyticalAMAT.Latencies.konaArtifact
        own.remote = rdma
        let formulaOwn = AnalyticalAMAT.amat(counts, own)
        print("pointer chase over \(footprint): \(counts) rates \(counts.rates); KonaSim \(simulated) ns, formula \(formula) ns (\((simulated / formula - 1) * 100)%), with KonaSim's RDMA \(formulaOwn) ns (\((simulated / formulaOwn - 1) * 100)%); fetches \(r.value("fpga.fetches")!), evictions \(r.value("fpga.evictions")!), requests \(r.value("fpga.requests")!), host \(r.hostSeconds) s")
        #expect(abs(simulated / formula - 1) <= 0.02)
    }
}
