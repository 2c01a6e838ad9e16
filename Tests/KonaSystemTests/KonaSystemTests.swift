import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
import KonaProtocol
@testable import KonaSystem
import KonaWorkloads

/// The coherent test system (coherentConfig) with an FPGA homing the first MiB: 1 GHz FPGA
/// cycles (lookup 10 ns), a 1 us network at 64 Gbit/s with 64 B headers, remote nodes at
/// 100 ns and 512 Gbit/s, FMem at 60 ns.
let konaOverrides = ["fpga.range.size=1MiB", "fpga.frequency=1GHz", "fpga.pipeline_latency=8", "fpga.directory_latency=2",
                     "net.latency=1us", "net.bandwidth=64Gbps", "net.header_bytes=64B", "net.mtu=4KiB",
                     "remote.latency=100ns", "remote.bandwidth=512Gbps", "fpga.fmem.latency=60ns"]

@Suite struct KonaSystemTests {
    @Test func aRemoteReadMissOnAnIdleSystemCostsTheSumOfItsParts() throws {
        let (s, r) = try runCoherent([[load(0)]], konaOverrides)
        // Core to LLC 19 ns, LLC 40, RdShared 1 + 20 -> FPGA at 80; pipeline 8 + lookup 2; fetch
        // request 64 B (8 ns) + 1 us; node: critical line 1 ns + 100; back 128 B (16 ns) + 1 us
        // -> 2215; directory update 2 (the critical line is forwarded while it is written into
        // FMem, off the path); DataEx 5 + 20; LLC 40; DataE 5 + 2 -> 2289 ns.
        #expect(s.cores[0].latencySum == 2_289_000, "got \(s.cores[0].latencySum) ps")
        #expect(integer(r, "fpga.fetches") == 1 && integer(r, "memory.reads") == 0)
        #expect(integer(r, "fpga.fmem.writes") == 64, "the fetched block is written into FMem")
        #expect(r.value("amat.remote_ns")?.asDouble == 2289 && r.value("amat.local_ns")?.asDouble == 0)
    }

    @Test func aLocalMissStillGoesToDRAM() throws {
        let (s, r) = try runCoherent([[load(2 << 20)]], konaOverrides)
        #expect(s.cores[0].latencySum == 197_000 && integer(r, "memory.reads") == 1 && integer(r, "fpga.requests") == 0)
        #expect(integer(r, "link.fpga.request.messages") == 0, "a local miss stays off the FPGA's link")
    }

    @Test func oneWordPerPageGivesTheExpectedAmplification() throws {
        // One 8-byte store per 4 KiB page: a 64 B tracker writes 64 B per 8 modified (8x), a
        // 4 KiB tracker 4096 (512x).
        let stores = (0..<3000).map { store(UInt64($0) * 4096 + 8) }
        let (_, r) = try runCoherent([stores], ["stats.dirty_interval=1000"])
        #expect(r.value("tracker.amplification.64B")?.asDouble == 8)
        #expect(r.value("tracker.amplification.4KiB")?.asDouble == 512)
        #expect(integer(r, "tracker.modified_bytes") == 3000 * 8)
    }

    @Test func lineGranularityWritebackHasFourTimesTheGoodputOfWholeBlocks() throws {
        func goodput(_ writeback: String) throws -> Double {
            let c = try coherentConfig(konaOverrides + [
                "fpga.range.size=8MiB", "fpga.fmem.size=256KiB", "fpga.eviction.writeback=\(writeback)",
                "workload.kind=strided", "workload.stride=4KiB", "workload.access_size=8B", "workload.store_fraction=1",
                "workload.footprint=4MiB", "workload.accesses=3000", "system.cores_per_socket=1", "llc.size=64KiB"])
            let r = try Simulation(config: c).run()
            #expect(integer(r, "fpga.evictions") > 100)
            return r.value("net.goodput")!.asDouble
        }
        let lines = try goodput("dirty_lines"), blocks = try goodput("whole_block")
        #expect(lines >= 4 * blocks, "line granularity \(lines), whole block \(blocks)")
    }

    @Test func fmemDRAMCarriesFillsAndEvictionReads() throws {
        // Whole-block write-back over a 4-block FMem: every fetched block is written into FMem's
        // DRAM (64 lines each), and every line an eviction sends is first read out of it.
        let c = try coherentConfig(konaOverrides + [
            "fpga.fmem.size=16KiB", "fpga.fmem.ways=4", "fpga.eviction.writeback=whole_block", "workload.kind=uniform",
            "workload.footprint=256KiB", "workload.accesses=2000", "system.cores_per_socket=2"])
        let r = try Simulation(config: c).run()
        #expect(integer(r, "fpga.evictions") > 50)
        #expect(integer(r, "fpga.fmem.writes") >= 64 * integer(r, "fpga.fetches"))
        #expect(integer(r, "fpga.fmem.reads") >= integer(r, "fpga.lines_written_back"))
        #expect(integer(r, "fpga.lines_written_back") == 64 * integer(r, "fpga.evictions"))
        // The channel was busy at least for the fills: 64 B per line at 19.2 GB/s (the default).
        let busy = r.value("fpga.fmem.utilization")!.asDouble * r.value("sim.time_ns")!.asDouble
        let fillNs = Double(64 * 64 * integer(r, "fpga.fetches")) / 19.2      // 19.2 GB/s = 19.2 B/ns
        #expect(busy >= fillNs, "FMem DRAM busy \(busy) ns, fills alone \(fillNs) ns")
    }

    @Test func aFetchWritesEveryLineIntoFMemWhateverTheMTU() throws {
        // 256 B blocks (4 lines) in packets of 100 B (100, 100, 56): each fetch still writes
        // its 4 lines into FMem's DRAM. Loads only, so nothing else writes it.
        for mtu in ["100B", "128B", "4KiB"] {
            let c = try coherentConfig(konaOverrides + [
                "fpga.fmem.block_size=256B", "fpga.fmem.fetch=whole", "net.mtu=\(mtu)", "workload.kind=uniform",
                "workload.store_fraction=0", "workload.footprint=64KiB", "workload.accesses=500", "system.cores_per_socket=2"])
            let r = try Simulation(config: c).run()
            #expect(integer(r, "fpga.fetches") > 50)
            #expect(integer(r, "fpga.fmem.writes") == 4 * integer(r, "fpga.fetches"), "net.mtu \(mtu)")
        }
    }

    @Test func goodputCountsEveryEvictionWriteEvenWhenWritesQueue() throws {
        // One network operation at a time: eviction writes wait behind fetches, and every
        // byte they send still counts in the goodput's denominator.
        let c = try coherentConfig(konaOverrides + [
            "net.max_outstanding=1", "fpga.fmem.size=16KiB", "fpga.fmem.ways=4", "workload.kind=uniform",
            "workload.footprint=256KiB", "workload.accesses=2000", "system.cores_per_socket=2"])
        let r = try Simulation(config: c).run()
        let goodput = r.value("net.goodput")!.asDouble, written = Double(integer(r, "net.bytes_written"))
        #expect(integer(r, "fpga.evictions") > 50 && goodput > 0 && goodput < 1)
        #expect(abs(goodput * written - Double(64 * integer(r, "fpga.dirty_lines_written_back"))) < 1e-6 * written)
    }

    @Test func checkingDoesNotChangeTheResults() throws {
        func stats(_ check: Bool) throws -> String {
            let c = try coherentConfig(konaOverrides + ["system.sockets=2", "system.cores_per_socket=2", "workload.kind=zipfian",
                                                        "workload.accesses=3000", "workload.footprint=64KiB", "fpga.fmem.size=32KiB",
                                                        "llc.size=16KiB", "core.l2.size=4KiB", "core.l1d.size=1KiB", "run.check=\(check)"])
            return statsText(try Simulation(config: c).run().values)
        }
        #expect(try stats(false) == stats(true))
    }

    @Test(arguments: ProtocolVariant.all)
    func aTinyFMemUnderCheckingKeepsEveryValue(_ variant: ProtocolVariant) throws {
        // Four cores on two sockets over 32 remote lines in 128 B blocks, four of which fit in
        // FMem: constant evictions; every load is checked, and at the end every line holds its
        // last stored value somewhere in caches, FMem or remote memory.
        let c = try coherentConfig(konaOverrides + [
            "system.sockets=2", "system.cores_per_socket=2", "workload.accesses=3000", "workload.footprint=2KiB",
            "fpga.fmem.size=512B", "fpga.fmem.block_size=128B", "fpga.fmem.ways=2", "fpga.eviction.high_watermark=0.5",
            "fpga.eviction.low_watermark=0.25", "llc.size=1KiB", "llc.ways=2", "core.l2.size=256B", "core.l2.ways=2",
            "core.l1d.size=128B", "core.l1d.ways=2", "run.check=true",
            "protocol.grant_exclusive=\(variant.grantExclusive)",
            "protocol.clean_eviction=\(variant.silentCleanEviction ? "silent" : "notify")"])
        let s = try Simulation(config: c)
        let r = try s.run()
        #expect(integer(r, "fpga.evictions") > 500 && integer(r, "fpga.background_evictions") > 0)
        #expect(s.checker!.loadsChecked > 4000)
        // The recalls happened, including writebacks crossing them.
        let table = s.fpga!.controller.table, hits = s.fpga!.controller.coverage.hits
        for (state, event) in [(HomeProtocol.State.S, HomeProtocol.Event.Recall), (.EM, .Recall), (.S_R, .LastRspI),
                               (.EM_R, .LastRspIData), (.EM_R, .WbOwnerDirty)] {
            #expect(hits[table.rowIndex(state, event)!] > 0, "\(state.name) + \(event.name) never fired")
        }
        try s.checkFinalValues()
        // And the check has teeth: corrupt one line in remote memory or FMem and it fails.
        let line = s.checker!.storedLines.first { line in
            s.coherentValue(line) != 0 && s.complexes.allSatisfy { $0.controller.state(line) == .I }
                && s.llcs.allSatisfy { $0.controller.state(line) == .I }
        }
        #expect(line != nil, "some line lives only in FMem or remote memory at the end")
        if let line, let fpga = s.fpga {
            if fpga.cachedValue(line) != nil { fpga.store(999_999, to: line) } else { fpga.engine.remote[line >> 1]![Int(line & 1)] = 999_999 }
            #expect(throws: SimulationError.self) { try s.checkFinalValues() }
        }
    }

    /// (One variant here; the test command's Kona stress runs the others in a release build.)
    @Test(arguments: [ProtocolVariant(grantExclusive: false, silentCleanEviction: true)])
    func aTinyNonInclusiveFMemKeepsEveryValue(_ variant: ProtocolVariant) throws {
        // The same tiny system with a non-inclusive FMem: evictions leave held lines with the
        // sockets, and dirty writebacks of lines whose block is out go straight to remote
        // memory; every load is checked, and every line's last value is somewhere at the end.
        let c = try coherentConfig(konaOverrides + [
            "system.sockets=2", "system.cores_per_socket=2", "workload.accesses=2000", "workload.footprint=2KiB",
            "fpga.fmem.size=512B", "fpga.fmem.block_size=128B", "fpga.fmem.ways=2", "fpga.eviction.high_watermark=0.5",
            "fpga.eviction.low_watermark=0.25", "llc.size=1KiB", "llc.ways=2", "core.l2.size=256B", "core.l2.ways=2",
            "core.l1d.size=128B", "core.l1d.ways=2", "run.check=true", "fpga.fmem.inclusion=non_inclusive",
            "protocol.grant_exclusive=\(variant.grantExclusive)",
            "protocol.clean_eviction=\(variant.silentCleanEviction ? "silent" : "notify")"])
        let s = try Simulation(config: c)
        let r = try s.run()
        #expect(integer(r, "fpga.evictions") > 300, "\(integer(r, "fpga.evictions")) evictions")
        #expect(s.checker!.loadsChecked > 2500)
        #expect(integer(r, "fpga.inclusion_victims") == 0, "nothing is recalled, so nothing is an inclusion victim")
        #expect(integer(r, "fpga.released_lines") > 0 && integer(r, "fpga.remote_line_writes") > 0,
                "\(integer(r, "fpga.released_lines")) released, \(integer(r, "fpga.remote_line_writes")) written straight to remote memory")
        let table = s.fpga!.controller.table, hits = s.fpga!.controller.coverage.hits
        #expect(table.rowIndex(.S, .Recall) == nil)
        for (state, event) in [(HomeProtocol.State.EM, HomeProtocol.Event.Release), (.EM, .WbOwnerDirty_Released)] {
            #expect(hits[table.rowIndex(state, event)!] > 0, "\(state.name) + \(event.name) never fired")
        }
        try s.checkFinalValues()
    }

    @Test func theInclusiveRunCountsInclusionVictims() throws {
        let c = try coherentConfig(konaOverrides + [
            "workload.kind=zipfian", "workload.accesses=1000", "workload.footprint=64KiB", "fpga.fmem.size=8KiB",
            "fpga.fmem.block_size=1KiB", "llc.size=32KiB", "core.l2.size=4KiB", "core.l1d.size=1KiB"])
        let inclusive = try Simulation(config: c).run()
        let nonInclusive = try Simulation(config: try coherentConfig(konaOverrides + [
            "workload.kind=zipfian", "workload.accesses=1000", "workload.footprint=64KiB", "fpga.fmem.size=8KiB",
            "fpga.fmem.block_size=1KiB", "llc.size=32KiB", "core.l2.size=4KiB", "core.l1d.size=1KiB",
            "fpga.fmem.inclusion=non_inclusive"])).run()
        #expect(integer(inclusive, "fpga.inclusion_victims") > 0)
        #expect(integer(nonInclusive, "fpga.inclusion_victims") == 0)
        #expect(integer(nonInclusive, "llc0.misses") < integer(inclusive, "llc0.misses"),
                "FMem a quarter of the LLC: non-inclusive \(integer(nonInclusive, "llc0.misses")) LLC misses, inclusive \(integer(inclusive, "llc0.misses"))")
    }

    /// Recall records older than the inclusion-victim window are dropped: with a 10 ns window
    /// the FPGA keeps fewer than 4,096 (its first pruning point), where the same run with a
    /// window longer than the run keeps every recalled line no socket asked for again.
    @Test func recallRecordsAreKeptOnlyForTheWindow() throws {
        func records(window: String) throws -> Int {
            let s = try Simulation(config: try coherentConfig(konaOverrides + [
                "workload.kind=uniform", "workload.accesses=1200", "workload.footprint=1MiB", "fpga.fmem.size=8KiB",
                "fpga.fmem.block_size=1KiB", "fpga.inclusion_victim_window=\(window)"]))
            _ = try s.run()
            return try #require(s.fpga).recalledAt.count
        }
        let kept = try records(window: "1s")
        #expect(kept > 4096, "the run must recall more lines than the first pruning point (\(kept))")
        #expect(try records(window: "10ns") < 4096)
    }
}
