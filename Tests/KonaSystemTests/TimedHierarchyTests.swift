import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
@testable import KonaSystem
import KonaWorkloads

func load(_ address: UInt64) -> MemoryAccess { MemoryAccess(address: address, size: 8, kind: .load) }
func store(_ address: UInt64) -> MemoryAccess { MemoryAccess(address: address, size: 8, kind: .store) }

/// A 1 GHz core, so one cycle is 1 ns: L1 4 cycles, L2 12 cycles, DRAM 70 ns at 25.6 GB/s.
func config(_ overrides: [String] = []) throws -> SimulationConfig {
    try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: ["system.model=private", "core.frequency=1GHz",
                                                                       "memory.latency=70ns"] + overrides))
}

func run(_ accesses: [MemoryAccess], _ overrides: [String] = []) throws -> (Simulation, Report) {
    let simulation = Simulation(config: try config(overrides), sources: [AccessList(accesses)])
    let report = try simulation.run()
    return (simulation, report)
}

@Suite struct TimedHierarchyTests {
    @Test func anL1HitCostsTheL1Latency() throws {
        var second = load(8)
        second.dependent = true
        let (s, r) = try run([load(0), second])
        // The dependent second access issues once the first completes and hits the filled line.
        #expect(s.l1d.hits == 1 && s.l1d.misses == 1)
        #expect(r.value("cpu0.amat_ns") == .real((88.5 + 4) / 2))
    }

    @Test func anIsolatedMissCostsTheSumOfLatencies() throws {
        // L1 4 ns + L2 12 ns + 64 B / 25.6 GB/s (2.5 ns) + DRAM 70 ns = 88.5 ns
        let (s, r) = try run([load(0x1000)])
        #expect(r.value("amat_ns") == .real(88.5))
        #expect(r.simulatedTime == 88_500)
        #expect(s.memories[0].reads == 1 && s.l2.misses == 1)
    }

    @Test func anL2HitCostsL1PlusL2() throws {
        // Evict line 0 from a 1-set 1-way L1 (128 B... use 64 B, 1 way) so it hits in L2.
        let (s, _) = try run([load(0), load(64), load(0)],
                             ["core.l1d.size=64B", "core.l1d.ways=1", "core.max_outstanding=1"])
        #expect(s.l1d.misses == 3 && s.l2.hits == 1 && s.l2.misses == 2)
        #expect(s.cores[0].missLatency.min == 16_000, "L2 hit: 4 + 12 ns, got \(s.cores[0].missLatency.min) ps")
    }

    @Test func mshrMergesWaitForTheSameFill() throws {
        let (s, r) = try run([load(0), load(8), store(16)])
        #expect(s.l1d.misses == 1 && s.l1d.hits == 2 && s.l1d.mshrMerges == 2)
        #expect(s.memories[0].reads == 1)
        // Issued at 0, 1, 2 ns; all complete when the fill arrives at 88.5 ns.
        #expect(r.value("amat_ns") == .real((88.5 + 87.5 + 86.5) / 3))
        #expect(s.l1d.tags.isDirty(s.l1d.tags.find(0)))
    }

    @Test func mshrTargetLimitStallsTheCore() throws {
        let (s, _) = try run([load(0), load(8), load(16)], ["core.l1d.mshr_targets=2"])
        #expect(s.l1d.mshrMerges == 1, "third access must wait for the fill and then hit")
        #expect(s.l1d.hits == 2 && s.l1d.misses == 1)
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
        #expect(s.l1d.writebacks == 1)
        #expect(s.l2.writebackHits == 1, "line 0 is still in L2 when L1 writes it back")
        // L2 (2 sets x 1 way): line 128 maps to set 0 and evicts dirty line 0 to DRAM.
        #expect(s.l2.writebacks == 1 && s.memories[0].writes == 1)
    }

    @Test func dependentAccessesWaitForEverythingBefore() throws {
        var chase = [load(0), load(4096)]
        chase[1].dependent = true
        let (_, r) = try run(chase)
        #expect(r.simulatedTime == 89_000 + 88_500)
    }

    @Test func sameConfigAndSeedGiveIdenticalStatistics() throws {
        func stats(_ seed: Int) throws -> String {
            let c = try config(["seed=\(seed)", "workload.accesses=20000", "workload.footprint=1MiB", "core.l1d.replacement=random"])
            let r = try Simulation(config: c).run()
            return statsText(r.values)
        }
        let a = try stats(3), b = try stats(3), c = try stats(4)
        #expect(a == b)
        #expect(a != c)
        #expect(a.contains("\"cpu0.l1d.hits\": ") && a.hasPrefix("\"accesses\": "))
    }

    @Test func hitsCreateNoEvents() throws {
        // 100,000 loads over 4 KiB: 64 cold misses, then hits only. The only events are the
        // core's resumes at the run's 10 us chunk boundaries.
        let c = try config(["workload.kind=sequential", "workload.footprint=4KiB", "workload.accesses=100000",
                            "workload.store_fraction=0"])
        let s = try Simulation(config: c)
        let r = try s.run()
        #expect(s.l1d.misses == 64 && s.l1d.hits == 100_000 - 64)
        let chunks = r.simulatedTime / 10_000_000 + 1
        #expect(r.events <= chunks + 1, "\(r.events) events for \(chunks) chunks")
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

/// The next level of a cache under test: fixed latency, records what it was asked.
final class FixedMemory: MemorySide {
    let latency: Tick
    var requests: [(String, UInt64, Tick)] = []
    init(latency: Tick) { self.latency = latency }
    func read(line: UInt64, at time: Tick) -> Tick { requests.append(("read", line, time)); return time + latency }
    func writeback(line: UInt64, at time: Tick) { requests.append(("writeback", line, time)) }
}

@Suite struct ReservationTimingTests {
    func cache(mshrs: Int = 2, targets: Int = 4, ways: Int = 2, below: FixedMemory) -> Cache {
        Cache(path: "c", sets: 1, ways: ways, policy: .lru, latency: 1_000, mshrs: mshrs, targetsPerMSHR: targets,
              next: below, seed: 1, stats: StatsRegistry())
    }

    @Test func aMissAsksBelowAfterTheLookupThenWritesBackTheVictim() {
        let below = FixedMemory(latency: 50_000)
        let c = cache(ways: 1, below: below)
        _ = c.access(line: 1, isStore: true, at: 0)                    // miss, ready at 51 ns
        let t = c.access(line: 2, isStore: false, at: 60_000)          // evicts dirty line 1
        #expect(t.ready == 111_000 && t.accepted == 60_000 && t.waitedForFill)
        #expect(below.requests.map(\.0) == ["read", "read", "writeback"])
        #expect(below.requests[2].1 == 1 && below.requests[2].2 == 61_000)
    }

    @Test func fullMSHRsBlockTheInputUntilAFillArrives() {
        let below = FixedMemory(latency: 50_000)
        let c = cache(mshrs: 1, ways: 4, below: below)
        _ = c.access(line: 1, isStore: false, at: 0)                   // MSHR busy until 51 ns
        let second = c.access(line: 2, isStore: false, at: 1_000)
        #expect(second.accepted == 51_000 && second.ready == 102_000)
        let third = c.access(line: 1, isStore: false, at: 2_000)       // hit, but behind the blocked head
        #expect(third.accepted == 51_000 && !third.waitedForFill && c.blockedTime == 50_000 + 49_000)
    }

    @Test func aVictimStillFillingHoldsTheMiss() {
        let below = FixedMemory(latency: 50_000)
        let c = cache(mshrs: 4, ways: 1, below: below)
        _ = c.access(line: 1, isStore: false, at: 0)                   // fills at 51 ns
        let t = c.access(line: 2, isStore: false, at: 1_000)           // its victim is line 1
        #expect(t.accepted == 51_000)
        #expect(c.misses == 2 && c.hits == 0)
    }

    @Test func writebacksHitWithoutRefreshingLRUAndAllocateOnAMiss() {
        let below = FixedMemory(latency: 10_000)
        let c = cache(ways: 2, below: below)
        _ = c.access(line: 1, isStore: false, at: 0)
        _ = c.access(line: 2, isStore: false, at: 0)
        c.writeback(line: 1, at: 20_000)                               // no LRU refresh: 1 stays oldest
        _ = c.access(line: 3, isStore: false, at: 30_000)              // evicts 1 (dirty): written back
        #expect(c.writebackHits == 1 && c.writebacks == 1 && below.requests.last!.0 == "writeback")
        c.writeback(line: 9, at: 40_000)
        #expect(c.writebackAllocations == 1 && c.tags.find(9) >= 0 && c.tags.isDirty(c.tags.find(9)))
    }
}
