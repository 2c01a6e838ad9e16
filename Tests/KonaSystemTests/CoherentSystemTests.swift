import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
import KonaProtocol
@testable import KonaSystem
import KonaWorkloads

/// A 1 GHz coherent system with round numbers: L1D 4 ns, L2 12 ns, LLC 40 ns, fabric 2 ns
/// and links (to the FPGA, between sockets) 20 ns per hop at 16 GB/s (a 16 B header takes
/// 1 ns, a data message 5 ns), directory 10 ns, DRAM 70 ns at 64 GB/s (1 ns per line).
func coherentConfig(_ overrides: [String] = []) throws -> SimulationConfig {
    var base = ["core.frequency=1GHz", "llc.latency=40", "home.directory_latency=10ns",
                "memory.latency=70ns", "memory.bandwidth=64GB/s", "fabric.header_bytes=16B", "link.fpga.header_bytes=16B",
                "link.socket.header_bytes=16B"]
    for channel in ["request", "snoop", "response", "data"] {
        base += ["fabric.\(channel).latency=2ns", "fabric.\(channel).bandwidth=16GB/s"]
        for link in ["fpga", "socket"] {
            base += ["link.\(link).\(channel).latency=20ns", "link.\(link).\(channel).bandwidth=16GB/s"]
        }
    }
    return try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: base + overrides))
}

func runCoherent(_ streams: [[MemoryAccess]], _ overrides: [String] = []) throws -> (Simulation, Report) {
    let simulation = Simulation(config: try coherentConfig(overrides), sources: streams.map { AccessList($0) })
    return (simulation, try simulation.run())
}

func integer(_ r: Report, _ name: String) -> UInt64 {
    if case .integer(let v)? = r.value(name) { return v }
    Issue.record("no integer statistic \(name)")
    return 0
}

@Suite struct CoherentSystemTests {
    @Test func aReadMissOnAnIdleSystemCostsTheSumOfItsHops() throws {
        let (s, r) = try runCoherent([[load(0)]])
        // L1D + L2 lookup 16; GetS 1 + 2 -> LLC at 19; +40 -> RdShared over the socket's own
        // fabric 1 + 2 -> home at 62; +10 -> DRAM 1 + 70 -> DataEx at 143, 5 + 2 -> LLC at 150;
        // +40 -> DataE 5 + 2 -> 197 ns. Local memory never crosses a link off the die.
        #expect(s.cores[0].latencySum == 197_000, "got \(s.cores[0].latencySum) ps")
        #expect(s.cores[0].missLatency.max == 197_000)
        #expect(integer(r, "cpu0.l2.misses") == 1 && integer(r, "llc0.misses") == 1 && integer(r, "memory.reads") == 1)
        // GetS and RdShared, DataEx and DataE, then Unblock and CmpAck, all on the fabric.
        #expect(integer(r, "fabric.request.messages") == 2 && integer(r, "fabric.data.messages") == 2)
        #expect(integer(r, "fabric.response.messages") == 2 && s.fpgaLink == nil && s.socketLink == nil)
        #expect(s.complexes[0].controller.state(0) == .E && s.llcs[0].controller.state(0) == .E)
        #expect(s.homes[0].controller.state(0) == .EM)
    }

    @Test func anLLCHitSkipsTheHome() throws {
        // core0 brings line 0 in and drops it (silently) from its 1-line L2 by loading line 64;
        // then loads 0 again: the LLC still holds it: 16 + 1 + 2 + 40 + 5 + 2 = 66 ns.
        var again = load(0)
        again.dependent = true
        var second = load(64)
        second.dependent = true
        let (s, r) = try runCoherent([[load(0), second, again]],
                                     ["core.l1d.size=64B", "core.l1d.ways=1", "core.l2.size=64B", "core.l2.ways=1",
                                      "protocol.clean_eviction=silent"])
        #expect(integer(r, "llc0.requests") == 3 && integer(r, "llc0.misses") == 2)
        #expect(s.cores[0].missLatency.min == 66_000, "got \(s.cores[0].missLatency.min) ps")
    }

    @Test func anAccessToALineBeingEvictedWaitsForTheEvictionThenMisses() throws {
        // As above with notified evictions: line 0's PutE leaves when line 64's fill evicts
        // it (T); the load of 0 issued at T waits for the PutAck (T + 3 + 40 + 3), then sends
        // GetS: + 3 + 40 + 7 = T + 96 ns.
        var again = load(0)
        again.dependent = true
        var second = load(64)
        second.dependent = true
        let (s, r) = try runCoherent([[load(0), second, again]],
                                     ["core.l1d.size=64B", "core.l1d.ways=1", "core.l2.size=64B", "core.l2.ways=1"])
        #expect(integer(r, "cpu0.evictions") == 2 && integer(r, "llc0.misses") == 2)
        #expect(s.cores[0].missLatency.min == 96_000, "got \(s.cores[0].missLatency.min) ps")
    }

    @Test func aSecondReaderDowngradesTheOwner() throws {
        // Both cores read line 0 at once: the LLC serves one, then downgrades it for the other.
        let (s, r) = try runCoherent([[load(0)], [load(0)]])
        #expect(integer(r, "llc0.misses") == 1 && integer(r, "memory.reads") == 1)
        #expect(s.complexes[0].controller.state(0) == .S && s.complexes[1].controller.state(0) == .S)
        #expect(integer(r, "cpu0.snoops") + integer(r, "cpu1.snoops") == 1)
    }

    @Test func aStoreToASharedLineUpgradesAndInvalidatesTheOtherCopy() throws {
        var later = store(0)
        later.dependent = true
        var wait = load(4096)
        wait.dependent = true
        let (s, r) = try runCoherent([[load(0), wait, later], [load(0)]], ["run.check=true"])
        #expect(integer(r, "cpu0.upgrades") == 1)
        #expect(s.complexes[0].controller.state(0) == .M && s.complexes[1].controller.state(0) == .I)
        #expect(s.checker!.storesPerformed == 1 && s.checker!.loadsChecked == 3)
    }

    @Test func anLLCEvictionBackInvalidatesTheCore() throws {
        // A one-line LLC: loading line 64 replaces line 0, so core0 loses it and misses again.
        var l64 = load(64)
        l64.dependent = true
        var l0 = load(0)
        l0.dependent = true
        let (s, r) = try runCoherent([[load(0), l64, l0]], ["llc.size=64B", "llc.ways=1"])
        #expect(integer(r, "llc0.replacements") == 2 && integer(r, "cpu0.snoops") == 2)
        #expect(integer(r, "cpu0.l2.misses") == 3 && integer(r, "memory.reads") == 3)
        #expect(s.complexes[0].controller.state(64) == .I && s.complexes[0].controller.state(0) == .E)
        #expect(s.complexes[0].l2.find(64) < 0 && s.complexes[0].l2.find(0) >= 0, "tags follow the states")
    }

    @Test func dirtyDataReachesTheNextReader() throws {
        // core0 writes, core1 reads: core1 must see core0's value (checked), the dirty data
        // is written back to DRAM only when it leaves the socket.
        var read = load(0)
        read.dependent = true
        let spacer = (1...20).map { i -> MemoryAccess in var a = load(UInt64(i) * 4096); a.dependent = true; return a }
        let (s, r) = try runCoherent([[store(0)], spacer + [read]], ["run.check=true"])
        #expect(s.checker!.loadsChecked == 21 && s.checker!.storesPerformed == 1)
        #expect(s.complexes[1].controller.state(0) == .S)
        #expect(integer(r, "memory.writes") == 0)
    }

    @Test func aBrokenEntryIsCaughtByTheDataValueCheck() throws {
        // A core that answers a downgrade without its dirty data loses the store: the next
        // reader sees the stale value, and the checking run stops with exit code 3.
        let table = CoreComplexProtocol.table(ProtocolVariant()).replacing(.M, .Downgrade, actions: [.sendDowngradeAck], next: .S)
        var read = load(0)
        read.dependent = true
        let spacer = (1...20).map { i -> MemoryAccess in var a = load(UInt64(i) * 4096); a.dependent = true; return a }
        let simulation = Simulation(config: try coherentConfig(["run.check=true", "system.cores_per_socket=2"]),
                                    sources: [AccessList([store(0)]), AccessList(spacer + [read])], coreTable: table)
        #expect {
            _ = try simulation.run()
        } throws: { error in
            guard let e = error as? SimulationError else { return false }
            return e.kind == .protocolViolation && e.message.contains("latest value stored is 1")
        }
    }

    @Test func aFailingRunStillWritesItsWaveformToTheFailure() throws {
        // The waveform is what explains a failure: the broken run above, traced, closes its
        // sink with every change up to the failing load (handed over by the writer thread).
        final class Sink: TraceSink {
            var changes = 0
            var endedAt: Tick?
            func begin(signals: [(path: String, kind: SignalKind)], initial: [UInt64], strings: SignalStrings, at start: Tick) {}
            func change(_ id: SignalID, at time: Tick, raw: UInt64) { changes += 1 }
            func end(at time: Tick) { endedAt = time }
        }
        let table = CoreComplexProtocol.table(ProtocolVariant()).replacing(.M, .Downgrade, actions: [.sendDowngradeAck], next: .S)
        var read = load(0)
        read.dependent = true
        let spacer = (1...20).map { i -> MemoryAccess in var a = load(UInt64(i) * 4096); a.dependent = true; return a }
        let simulation = Simulation(config: try coherentConfig(["run.check=true", "system.cores_per_socket=2", "trace.signals=*"]),
                                    sources: [AccessList([store(0)]), AccessList(spacer + [read])], coreTable: table)
        let sink = Sink()
        simulation.trace(into: sink)
        #expect(throws: SimulationError.self) { _ = try simulation.run() }
        #expect(sink.endedAt == simulation.simulator.now + 1, "closed just after the failure")
        #expect(sink.changes > 100)
    }

    @Test func l1HitsCreateNoEvents() throws {
        let hits = (0..<10_000).map { load(UInt64($0 % 8) * 8) }
        let (s, r) = try runCoherent([hits])
        #expect(integer(r, "cpu0.l1d.hits") == 9_999 && integer(r, "cpu0.merged") == 9)
        // One miss: its messages, the core's start and its wake-up; nothing per hit.
        #expect(r.events < 20, "\(r.events) events")
        #expect(s.cores[0].accesses == 10_000)
    }

    @Test func coherentRunsAreDeterministic() throws {
        func stats(_ seed: Int) throws -> String {
            let c = try coherentConfig(["seed=\(seed)", "system.sockets=2", "workload.accesses=3000", "workload.footprint=64KiB",
                                        "llc.size=16KiB", "core.l2.size=4KiB", "core.l1d.size=1KiB", "run.check=true"])
            return statsText(try Simulation(config: c).run().values)
        }
        let a = try stats(3), b = try stats(3), c = try stats(4)
        #expect(a == b && a != c)
        #expect(a.contains("\"llc1.requests\": ") && a.contains("\"cpu7.l1d.hits\": "))
    }

    @Test(arguments: ProtocolVariant.all)
    func sharedLinesUnderEveryVariantKeepTheirValues(_ variant: ProtocolVariant) throws {
        // Four cores on two sockets hammer 16 lines through tiny caches, with checking on.
        let c = try coherentConfig(["system.sockets=2", "system.cores_per_socket=2", "workload.accesses=4000",
                                    "workload.footprint=1KiB", "llc.size=512B", "llc.ways=2", "core.l2.size=256B",
                                    "core.l2.ways=2", "core.l1d.size=128B", "core.l1d.ways=2", "run.check=true",
                                    "protocol.grant_exclusive=\(variant.grantExclusive)",
                                    "protocol.clean_eviction=\(variant.silentCleanEviction ? "silent" : "notify")"])
        let s = try Simulation(config: c)
        let r = try s.run()
        #expect(r.accesses == 16_000)
        #expect(s.checker!.loadsChecked > 5_000)
        #expect(integer(r, "llc0.replacements") > 0 && integer(r, "cpu0.snoops") > 0 && integer(r, "cpu0.upgrades") > 0)
    }
}
