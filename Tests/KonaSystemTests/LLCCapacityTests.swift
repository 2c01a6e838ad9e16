import Testing
import KonaConfig
import KonaEngine
import KonaHardware
import KonaProtocol
import KonaSystem

/// The reproduction of issue 11, item 6: eight cores share a one-line LLC over eight lines
/// (the embedded default system, local memory only).
let oneLineLLC = ["system.cores_per_socket=8", "llc.size=64B", "llc.ways=1", "core.l2.size=128B", "core.l2.ways=2",
                  "core.l1d.size=64B", "core.l1d.ways=1", "workload.footprint=512B", "workload.accesses=3000",
                  "memory.remote_fraction=0"]

/// Watches a system's LLCs after every transition of an LLC or a core: a line is in a
/// non-I state in an LLC exactly when it has a way of that LLC's tag array (so no set
/// holds more than `ways` lines and the LLC no more than sets x ways), and every line a
/// core holds (S, E or M) has a way in its socket's LLC (inclusion is a property of the
/// tag array).
///
/// After an LLC transition it compares the LLC's non-I lines with its valid ways (every
/// valid way's line is non-I, and there are as many non-I lines as valid ways, so the two
/// sets are equal); a core can hold a line without a way only after the core's transition
/// to S, E or M or the LLC's transition of that line to I, and both are checked for the
/// line that moved. O(sets x ways + cores) per transition: for tiny LLCs.
final class InclusionWatch {
    private(set) var checks = 0
    private(set) var violations: [String] = []
    /// The most valid ways (lines in a non-I state) that any one set held at once.
    private(set) var mostInASet = 0
    private let simulation: Simulation

    init(_ simulation: Simulation) {
        self.simulation = simulation
        for (s, llc) in simulation.llcs.enumerated() {
            let inner = llc.controller.onTransition
            llc.controller.onTransition = { [unowned self] line, before, event, after in
                inner?(line, before, event, after)
                self.checkLLC(s, line)
            }
        }
        for (c, complex) in simulation.complexes.enumerated() {
            let inner = complex.controller.onTransition
            complex.controller.onTransition = { [unowned self] line, before, event, after in
                inner?(line, before, event, after)
                self.checkCore(c, line)
            }
        }
    }

    private func checkLLC(_ s: Int, _ moved: UInt64) {
        checks += 1
        let llc = simulation.llcs[s], tags = llc.tags
        var valid = 0
        for set in 0..<tags.sets {
            var held = 0
            for index in set * tags.ways ..< (set + 1) * tags.ways where tags.line(at: index) != TagStore.invalid {
                held += 1
                let line = tags.line(at: index)
                if llc.controller.state(line) == .I { fail("llc\(s) set \(set): a way holds line \(line) in I") }
            }
            valid += held
            mostInASet = max(mostInASet, held)
        }
        let buffered = llc.writebackBuffer.count
        if llc.controller.lines.count != valid + buffered || buffered > llc.writebackBufferSize {
            fail("llc\(s): \(llc.controller.lines.count) lines in a non-I state, \(valid) in the tag array of \(tags.sets) x \(tags.ways), \(buffered) in the writeback buffer of \(llc.writebackBufferSize)")
        }
        for line in llc.writebackBuffer where ![.MI_A, .EI_A, .SI_A, .II_A].contains(llc.controller.state(line)) {
            fail("llc\(s): line \(line) is in the writeback buffer in \(llc.controller.state(line))")
        }
        if llc.controller.state(moved) == .I {
            let perSocket = simulation.config.coresPerSocket
            for complex in simulation.complexes[s * perSocket ..< (s + 1) * perSocket] where holds(complex, moved) {
                fail("llc\(s) dropped line \(moved) that \(complex.path) holds in \(complex.controller.state(moved))")
            }
        }
    }

    private func checkCore(_ c: Int, _ moved: UInt64) {
        checks += 1
        let complex = simulation.complexes[c], s = c / simulation.config.coresPerSocket
        if holds(complex, moved) && simulation.llcs[s].tags.find(moved) < 0 {
            fail("\(complex.path) holds line \(moved) in \(complex.controller.state(moved)); llc\(s) has no way for it")
        }
    }

    private func holds(_ complex: PrivateCacheComplex, _ line: UInt64) -> Bool {
        [.S, .E, .M].contains(complex.controller.state(line))
    }

    private func fail(_ text: String) {
        if violations.count < 5 { violations.append("check \(checks): " + text) }
    }
}

@Suite struct LLCCapacityTests {
    @Test func eightCoresSharingAOneLineLLCMissNearlyAlways() throws {
        let config = try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: oneLineLLC + ["run.check=true"]))
        let simulation = try Simulation(config: config)
        let watch = InclusionWatch(simulation)
        let r = try simulation.run()
        let requests = integer(r, "llc0.requests"), misses = integer(r, "llc0.misses")
        let hitRate = r.value("llc0.hit_rate")!.asDouble
        #expect(hitRate < 0.2, "\(misses) misses of \(requests) requests: hit rate \(hitRate)")
        #expect(integer(r, "llc0.way_waits") > 0, "eight cores over one way must wait for it")
        #expect(watch.violations.isEmpty, "\(watch.violations)")
        #expect(watch.mostInASet == 1)
    }

    @Test func aMissToAFullSetWaitsForItsVictimToLeave() throws {
        // A one-line LLC with no writeback buffer; both cores miss at 19 ns. core0's line 0
        // takes the way (its DataE reaches core0 at 197 ns, as on an idle system); core1's
        // line 1 waits. core0 answers after its L2 latency: its Unblock (12 + 3) makes line 0
        // replaceable at 212; Inv 40 + 3 -> core0 255; InvAck 12 + 3 -> 270; WbClean 40 + 3 ->
        // home 313; WbAck 10 + 3 -> 326: the way is free, and line 1's GetS is handled then,
        // as a miss on an idle system from there: 326 + 40 + 3 + 10 + 71 + 7 + 40 + 7 = 504 ns.
        let (s, r) = try runCoherent([[load(0)], [load(64)]], ["llc.size=64B", "llc.ways=1", "llc.writeback_buffer=0"])
        #expect(s.cores[0].latencySum == 197_000, "got \(s.cores[0].latencySum) ps")
        #expect(s.cores[1].latencySum == 504_000, "got \(s.cores[1].latencySum) ps")
        #expect(integer(r, "llc0.requests") == 2 && integer(r, "llc0.misses") == 2)
        #expect(integer(r, "llc0.way_waits") == 1 && integer(r, "llc0.replacements") == 1)
        #expect(s.llcs[0].controller.state(0) == .I && s.llcs[0].controller.state(1) == .E)
    }

    @Test func aWritebackBufferFreesTheWayOnceTheCoresHaveDroppedTheLine() throws {
        // As above with a writeback buffer: line 0 leaves its way for the buffer when core0's
        // InvAck arrives (270 ns) and its WbClean is sent; line 1's GetS is handled then:
        // 270 + 40 + (WbClean's 1 ns on the request channel, then RdShared's) 4 + 10 + 71 + 7
        // + 40 + 7 = 449 ns.
        let (s, r) = try runCoherent([[load(0)], [load(64)]], ["llc.size=64B", "llc.ways=1", "llc.writeback_buffer=1"])
        #expect(s.cores[1].latencySum == 449_000, "got \(s.cores[1].latencySum) ps")
        #expect(integer(r, "llc0.way_waits") == 1 && s.llcs[0].writebackBuffer.isEmpty)
        #expect(s.llcs[0].controller.state(0) == .I && s.llcs[0].controller.state(1) == .E)
    }

    @Test func aRequestBehindAWaitingOneWaitsEvenForAPresentLine() throws {
        // As above, and core2 also reads line 0 at 19 ns, after core1's request began to
        // wait: it waits behind it (a busy line cannot starve a waiting request), so line 0
        // is replaced for line 1 first and core2 misses on it afterwards.
        let (s, r) = try runCoherent([[load(0)], [load(64)], [load(0)]], ["llc.size=64B", "llc.ways=1"])
        #expect(integer(r, "llc0.requests") == 3 && integer(r, "llc0.misses") == 3)
        #expect(integer(r, "llc0.way_waits") == 2 && integer(r, "llc0.replacements") == 2)
        #expect(s.cores[2].latencySum > s.cores[1].latencySum, "core2 \(s.cores[2].latencySum) ps, core1 \(s.cores[1].latencySum) ps")
        #expect(s.llcs[0].controller.state(0) == .E && s.llcs[0].controller.state(1) == .I)
    }

    /// Tiny, contended LLCs: every way of a set is often in a transaction.
    static let contended: [(name: String, accessesPerCore: Int, overrides: [String])] = [
        ("one line, 8 cores, silent clean evictions", 3000, oneLineLLC + ["protocol.clean_eviction=silent"]),
        ("two sets of two ways, 4 cores, uniform", 2000,
         ["system.cores_per_socket=4", "llc.size=256B", "llc.ways=2", "core.l2.size=128B", "core.l2.ways=2",
          "core.l1d.size=64B", "core.l1d.ways=1", "workload.footprint=1KiB", "workload.kind=uniform",
          "memory.remote_fraction=0"]),
        ("two sockets of 4 cores, one set of two ways, grant S only", 1500,
         ["system.sockets=2", "system.cores_per_socket=4", "llc.size=128B", "llc.ways=2", "core.l2.size=128B",
          "core.l2.ways=2", "core.l1d.size=64B", "core.l1d.ways=1", "workload.footprint=512B",
          "memory.remote_fraction=0", "protocol.grant_exclusive=false"]),
        ("Kona: tiny FMem evicting all the time, three sockets, silent clean evictions", 1500,
         ["system.sockets=3", "system.cores_per_socket=2", "protocol.clean_eviction=silent",
          "fpga.range.size=1MiB", "fpga.fmem.size=512B",
          "fpga.fmem.block_size=128B", "fpga.fmem.ways=2", "workload.footprint=2KiB", "llc.size=256B", "llc.ways=2",
          "core.l2.size=128B", "core.l2.ways=2", "core.l1d.size=64B", "core.l1d.ways=1",
          "fpga.eviction.high_watermark=0.5", "fpga.eviction.low_watermark=0.25", "memory.remote_fraction=0",
          "workload.kind=uniform"]),
    ]

    @Test(arguments: contended.indices, [(1, 0), (2, 1), (3, 16)])
    func theLLCNeverHoldsMoreLinesThanItHas(_ which: Int, _ seedAndBuffer: (Int, Int)) throws {
        let (name, accesses, overrides) = Self.contended[which]
        let (seed, buffer) = seedAndBuffer
        let config = try SimulationConfig(KonaSchema.loader.load(
            path: nil, overrides: overrides + ["workload.accesses=\(accesses)", "run.check=true", "seed=\(seed)",
                                               "llc.writeback_buffer=\(buffer)"]))
        let simulation = try Simulation(config: config)
        let watch = InclusionWatch(simulation)
        let r = try simulation.run()
        let cores = config.sockets * config.coresPerSocket
        #expect(r.accesses == UInt64(cores * accesses), "\(name): every access completed")
        #expect(watch.violations.isEmpty, "\(name): \(watch.violations)")
        #expect(simulation.checker!.loadsChecked > 1000, "\(name)")
        let waits = (0..<config.sockets).map { integer(r, "llc\($0).way_waits") }.reduce(0, +)
        #expect(waits > 0, "\(name): no request waited for a way")
        if config.silentCleanEviction && config.sockets > 1 {
            // A home's snoop for a line dropped silently finds no way and takes none.
            let stale = simulation.llcs.map { $0.controller.coverage.hits[$0.controller.table.rowIndex(.I, .SnpInv)!] }.reduce(0, +)
            #expect(stale > 0, "\(name): no stale snoop met a line without a way")
        }
    }
}
