import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
import KonaOutputs
@testable import KonaSystem
import KonaWorkloads

/// Hands out a fixed list of accesses.
final class ListSource: AccessSource {
    private var items: [MemoryAccess]
    init(_ items: [MemoryAccess]) { self.items = items.reversed() }
    var instructions: UInt64 { 0 }
    var records: UInt64 { 0 }
    func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        guard let a = items.popLast() else { return false }
        access = a
        return true
    }
}

func load(_ address: UInt64) -> MemoryAccess { MemoryAccess(address: address, size: 8, kind: .load) }
func store(_ address: UInt64) -> MemoryAccess { MemoryAccess(address: address, size: 8, kind: .store) }

/// A 1 GHz core, so one cycle is 1 ns: L1 4 cycles, L2 12 cycles, DRAM 70 ns at 25.6 GB/s.
func config(_ overrides: [String] = []) throws -> SimulationConfig {
    try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: ["core.frequency=1GHz"] + overrides))
}

func run(_ accesses: [MemoryAccess], _ overrides: [String] = []) throws -> (Simulation, Report) {
    let simulation = Simulation(config: try config(overrides), source: ListSource(accesses))
    let report = try simulation.run()
    return (simulation, report)
}

@Suite struct TimedHierarchyTests {
    @Test func anL1HitCostsTheL1Latency() throws {
        var second = load(8)
        second.dependent = true
        let (s, r) = try run([load(0), second])
        // The dependent second access issues once the first completes and hits the filled line.
        #expect(s.l1d.hits.value == 1 && s.l1d.misses.value == 1)
        #expect(r.value("cpu0.amat_ns") == .real((88.5 + 4) / 2))
    }

    @Test func anIsolatedMissCostsTheSumOfLatencies() throws {
        // L1 4 ns + L2 12 ns + 64 B / 25.6 GB/s (2.5 ns) + DRAM 70 ns = 88.5 ns
        let (s, r) = try run([load(0x1000)])
        #expect(r.value("amat_ns") == .real(88.5))
        #expect(r.simulatedTime == 88_500)
        #expect(s.memory.reads.value == 1 && s.l2.misses.value == 1)
    }

    @Test func anL2HitCostsL1PlusL2() throws {
        // Evict line 0 from a 1-set 1-way L1 (128 B... use 64 B, 1 way) so it hits in L2.
        let (s, _) = try run([load(0), load(64), load(0)],
                             ["core.l1d.size=64B", "core.l1d.ways=1", "core.max_outstanding=1"])
        #expect(s.l1d.misses.value == 3 && s.l2.hits.value == 1 && s.l2.misses.value == 2)
        #expect(s.core.missLatency.min == 16_000, "L2 hit: 4 + 12 ns, got \(s.core.missLatency.min) ps")
    }

    @Test func mshrMergesWaitForTheSameFill() throws {
        let (s, r) = try run([load(0), load(8), store(16)])
        #expect(s.l1d.misses.value == 1 && s.l1d.hits.value == 2 && s.l1d.mshrMerges.value == 2)
        #expect(s.memory.reads.value == 1)
        // Issued at 0, 1, 2 ns; all complete when the fill arrives at 88.5 ns.
        #expect(r.value("amat_ns") == .real((88.5 + 87.5 + 86.5) / 3))
        #expect(s.l1d.tags.dirty[s.l1d.tags.find(0)!])
    }

    @Test func mshrTargetLimitStallsTheCore() throws {
        let (s, _) = try run([load(0), load(8), load(16)], ["core.l1d.mshr_targets=2"])
        #expect(s.l1d.mshrMerges.value == 1, "third access must wait for the fill and then hit")
        #expect(s.l1d.hits.value == 2 && s.l1d.misses.value == 1)
    }

    @Test func outstandingLimitSerializesMisses() throws {
        let (_, r1) = try run([load(0), load(4096)], ["core.max_outstanding=1"])
        let (_, r2) = try run([load(0), load(4096)], ["core.max_outstanding=2"])
        #expect(r1.simulatedTime > r2.simulatedTime)
        #expect(r1.simulatedTime == 89_000 + 88_500)  // second issues at the first edge after the first completes
    }

    @Test func dirtyVictimsAreWrittenBackDownTheHierarchy() throws {
        // 1-way 64 B L1: the store's line is evicted by the next miss and written to L2.
        let (s, _) = try run([store(0), load(64), load(128)],
                             ["core.l1d.size=64B", "core.l1d.ways=1", "core.l2.size=128B", "core.l2.ways=1"])
        #expect(s.l1d.writebacks.value == 1)
        #expect(s.l2.writebackHits.value == 1, "line 0 is still in L2 when L1 writes it back")
        // L2 (2 sets x 1 way): line 128 maps to set 0 and evicts dirty line 0 to DRAM.
        #expect(s.l2.writebacks.value == 1 && s.memory.writes.value == 1)
    }

    @Test func dependentAccessesWaitForEverythingBefore() throws {
        var chase = [load(0), load(4096)]
        chase[1].dependent = true
        let (_, r) = try run(chase)
        #expect(r.simulatedTime == 89_000 + 88_500)
    }

    @Test func sameConfigAndSeedGiveIdenticalStatistics() throws {
        func json(_ seed: Int) throws -> String {
            let c = try config(["seed=\(seed)", "workload.accesses=20000", "workload.footprint=1MiB", "core.l1d.replacement=random"])
            let r = try Simulation(config: c).run()
            return StatsJSON.render(r.values)
        }
        let a = try json(3), b = try json(3), c = try json(4)
        #expect(a == b)
        #expect(a != c)
        #expect(a.contains("\"cpu0.l1d.hits\": ") && a.hasPrefix("{\n  \"amat_ns\": "))
    }

    @Test func accessLimitStopsIssuing() throws {
        let c = try config(["run.max_accesses=500", "workload.accesses=10000"])
        let r = try Simulation(config: c).run()
        #expect(r.accesses == 500)
    }

    @Test func timeLimitStopsTheRun() throws {
        let c = try config(["run.max_time=2us", "workload.accesses=100000"])
        let r = try Simulation(config: c).run()
        #expect(r.stoppedAtTimeLimit && r.simulatedTime == 2_000_000)
        #expect(r.accesses > 10 && r.accesses < 1000)
    }
}

/// Swallows every message: a deliberately lost response.
final class BlackHole: Component {
    let path = "memory"
    func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {}
    func outstandingTransactions() -> [String] { [] }
}

@Suite struct StuckDetectorTests {
    @Test func aLostResponseIsReportedNotHung() throws {
        let sim = Simulator()
        let stats = StatsRegistry()
        let l1 = Cache(path: "cpu0.l1d", sets: 4, ways: 2, policy: .lru, latency: 1000, mshrs: 2, targetsPerMSHR: 2,
                       seed: 1, stats: stats)
        let core = Core(path: "cpu0", clock: ClockDomain(hertz: 1_000_000_000), issueRate: 1, maxOutstanding: 4,
                        maxAccesses: 0, l1: l1, source: ListSource([load(0x40)]), stats: stats)
        core.id = sim.register(core)
        sim.register(l1)
        l1.down = OutputPort(link: Link(latency: 0, bitsPerSecond: 0), destination: sim.register(BlackHole()))
        sim.schedule(at: 0, target: core.id, kind: Core.EventKind.resume.rawValue)
        #expect {
            try sim.run()
        } throws: { error in
            guard let e = error as? SimulationError, e.kind == .stuck else { return false }
            return e.details.contains { $0.hasPrefix("cpu0.l1d: MSHR") && $0.contains("line 0x40") }
                && e.details.contains("cpu0: 1 access(es) waiting for data")
        }
    }

    @Test func dataNobodyAskedForIsAProtocolError() throws {
        let sim = Simulator()
        let l2 = Cache(path: "cpu0.l2", sets: 4, ways: 2, policy: .lru, latency: 1000, mshrs: 2, targetsPerMSHR: 2,
                       seed: 1, stats: StatsRegistry())
        let id = sim.register(l2)
        sim.schedule(at: 10, target: id, kind: MemoryMessage.data.rawValue, payload: 3)
        #expect {
            try sim.run()
        } throws: { error in
            guard let e = error as? SimulationError else { return false }
            return e.kind == .protocolViolation && e.component == "cpu0.l2" && e.time == 10 && e.message.contains("0xc0")
        }
    }
}
