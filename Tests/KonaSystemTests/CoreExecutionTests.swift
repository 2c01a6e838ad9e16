#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
@testable import KonaSystem
@testable import KonaWorkloads

/// A program: accesses with the instructions each carries, then `trailing` instructions
/// after the last one (as a Lackey trace's `I` records after its last access).
final class Program: AccessSource {
    private var items: [MemoryAccess]
    private var trailing: UInt64
    private(set) var instructions: UInt64 = 0

    init(_ items: [MemoryAccess], trailing: UInt64 = 0) {
        self.items = items.reversed()
        self.trailing = trailing
    }

    func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        guard let a = items.popLast() else {
            instructions += trailing
            trailing = 0
            return false
        }
        access = a
        instructions += UInt64(a.instructions)
        return true
    }
}

func load(_ address: UInt64, instructions: UInt32) -> MemoryAccess {
    MemoryAccess(address: address, size: 8, kind: .load, instructions: instructions)
}

/// Runs `program` on the 1 GHz private model of `TimedHierarchyTests` (an isolated miss
/// takes 88.5 ns) and returns the report with each access's issue time in ns.
func execute(_ program: Program, _ overrides: [String]) throws -> (Report, [Double]) {
    let simulation = Simulation(config: try config(["stats.dirty_interval=0"] + overrides), sources: [program])
    let log = IssueLog()
    simulation.cores[0].issueLog = log
    let report = try simulation.run()
    simulation.cores[0].flushIssueLog()
    return (report, log.unreadTimes.map { Double($0) / 1000 })
}

@Suite struct CoreExecutionTests {
    @Test(arguments: [(1200, "4", 300), (1200, "1", 1200), (1200, "1.5", 800), (1200, "0.5", 2400), (7, "4", 2)])
    func anIdleRunOfNInstructionsAtIPCkTakesNOverKCycles(n: Int, ipc: String, cycles: Int) throws {
        let (r, _) = try execute(Program([], trailing: UInt64(n)), ["core.ipc=\(ipc)"])
        #expect(r.simulatedTime == UInt64(cycles) * 1000, "\(n) instructions at IPC \(ipc): \(r.simulatedTime) ps")
        #expect(r.value("cpu0.instructions") == .integer(UInt64(n)))
        #expect(r.value("cpu0.ipc") == .real(Double(n) / Double(cycles)))
        #expect(r.value("cpu0.stall_cycles.memory") == .integer(0))
    }

    /// A misses (one DRAM read, data at 88.5 ns); B to E load its line too, so they wait for
    /// the same fill before it arrives and hit after. At IPC 1 their instructions (1, 4, 7,
    /// 10, 11) issue at 0, 3, 6, 9, 10 ns unless the window holds them: instruction
    /// `1 + R` waits for A, restarting on the edge at 89 ns.
    static let underOneMiss = [load(0, instructions: 1), load(8, instructions: 3), load(16, instructions: 3),
                               load(24, instructions: 3), load(32, instructions: 1)]

    @Test(arguments: [(8, [0.0, 3, 6, 90, 91]), (9, [0.0, 3, 6, 89, 90]), (10, [0.0, 3, 6, 9, 89]), (11, [0.0, 3, 6, 9, 10])])
    func aMissLetsExactlyTheAccessesWithinTheWindowIssueBeforeItCompletes(rob: Int, issued: [Double]) throws {
        let (r, times) = try execute(Program(Self.underOneMiss), ["core.ipc=1", "core.rob_size=\(rob)"])
        #expect(times == issued, "ROB \(rob)")
        #expect(r.value("cpu0.l1d.misses") == .integer(1) && r.value("memory.reads") == .integer(1))
        let seqs = [1, 4, 7, 10, 11]
        #expect(zip(seqs, times).filter { $0.1 < 88.5 }.map(\.0) == seqs.filter { $0 - 1 < rob },
                "exactly the accesses fewer than \(rob) instructions after the miss issue before it completes")
    }

    @Test func statisticsAddUpByHand() throws {
        // ROB 8: instruction 9 would issue at 8 ns, waits for A until the edge at 89 ns (81
        // cycles); E issues at 91 ns and hits (4 ns); 2 instructions follow the last access.
        let (r, _) = try execute(Program(Self.underOneMiss, trailing: 2), ["core.ipc=1", "core.rob_size=8"])
        #expect(r.value("cpu0.instructions") == .integer(11 + 2))
        #expect(r.value("cpu0.stall_cycles") == .integer(0), "no access waited for a free slot")
        #expect(r.value("cpu0.stall_cycles.memory") == .integer(81))
        #expect(r.simulatedTime == 95_000, "E's data at 91 + 4 ns; the trailing two issue at 92 and 93 ns")
        #expect(r.value("sim.execution_time_ns") == .real(95))
        #expect(r.value("cpu0.ipc") == .real(13.0 / 95))
    }

    @Test func instructionsAfterTheLastAccessRunAndWaitForTheWindow() throws {
        // ROB 4: instructions 2-4 issue at 1-3 ns, 5 waits for the miss (88.5 ns, edge 89),
        // 5-11 issue at 89-95 ns; the run ends with the last one's cycle, at 96 ns.
        let (r, _) = try execute(Program([load(0, instructions: 1)], trailing: 10), ["core.ipc=1", "core.rob_size=4"])
        #expect(r.simulatedTime == 96_000)
        #expect(r.value("cpu0.instructions") == .integer(11) && r.value("cpu0.stall_cycles.memory") == .integer(89 - 4))
    }

    @Test(arguments: [8, 11])
    func theCoherentWindowWaitsForTheLoadTheMemoryAnswers(rob: Int) throws {
        // The same program on a coherent core: A and the loads merged into it are deferred,
        // and the window learns of A's completion by its ordinal.
        let c = try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: [
            "system.cores_per_socket=1", "core.frequency=1GHz", "stats.dirty_interval=0",
            "core.ipc=1", "core.rob_size=\(rob)"]))
        let simulation = Simulation(config: c, sources: [Program(Self.underOneMiss)])
        let log = IssueLog()
        simulation.cores[0].issueLog = log
        _ = try simulation.run()
        simulation.cores[0].flushIssueLog()
        let times = log.unreadTimes.map { Double($0) / 1000 }
        let missLatency = Double(simulation.cores[0].missLatency.max) / 1000
        #expect(times.prefix(3) == [0, 3, 6])
        if rob == 8 {
            #expect(times[3] == missLatency.rounded(.up) + 1 && times[4] == times[3] + 1, "A's data at \(missLatency) ns: \(times)")
        } else {
            #expect(times.suffix(2) == [9, 10])
        }
    }

    @Test func aHeldInstructionShowsAsAStallInTheWaveform() throws {
        final class Changes: TraceSink {
            var changes: [(time: Tick, raw: UInt64)] = []
            func begin(signals: [(path: String, kind: SignalKind)], initial: [UInt64], strings: SignalStrings, at start: Tick) {}
            func change(_ id: SignalID, at time: Tick, raw: UInt64) { changes.append((time, raw)) }
            func end(at time: Tick) {}
        }
        let simulation = Simulation(config: try config(["core.ipc=1", "core.rob_size=8", "trace.signals=cpu0.stalled"]),
                                    sources: [Program(Self.underOneMiss)])
        let sink = Changes()
        simulation.trace(into: sink)
        _ = try simulation.run()
        // Instruction 9 would issue at 8 ns and waits for A's data until the edge at 89 ns.
        #expect(sink.changes.map(\.time) == [8_000, 89_000] && sink.changes.map(\.raw) == [1, 0])
    }

    @Test func inOrderStopsAtTheFirstIncompleteLoadButNotAtAStore() throws {
        // A's miss holds instruction 2 until 89 ns; B..E then hit, 3, 3, 3 and 1 instructions later.
        let (r, times) = try execute(Program(Self.underOneMiss), ["core.ipc=1", "core.model=in_order"])
        #expect(times == [0, 91, 94, 97, 98])
        #expect(r.value("cpu0.stall_cycles.memory") == .integer(88))
        // A store miss does not stop it: B (a load merging into the store's fill) does, at 4 + 1.
        var program = Self.underOneMiss
        program[0].kind = .store
        let (_, storeFirst) = try execute(Program(program), ["core.ipc=1", "core.model=in_order"])
        #expect(storeFirst == [0, 3, 91, 94, 95])
    }

    @Test func theWindowComposesWithTheOutstandingLimit() throws {
        // Four misses to distinct lines, one instruction each, IPC 4 but one access per cycle
        // and at most 2 outstanding: C waits for A's data (88.5 ns, edge 89) and D for B's
        // (DRAM queues it behind A: 91 ns), whatever the window (224 never fills). The access
        // stalls, from 2 to 88.5 ns and from 90 to 91 ns, count in whole cycles: 87.
        let misses = (0..<4).map { load(UInt64($0) * 4096, instructions: 1) }
        let (r, times) = try execute(Program(misses), ["core.ipc=4", "core.max_outstanding=2"])
        #expect(times == [0, 1, 89, 91])
        #expect(r.value("cpu0.stall_cycles") == .integer(87))
        #expect(r.value("cpu0.stall_cycles.memory") == .integer(87), "no instruction waited for the window")
    }

    @Test func instructionsChangeWhenNotWhatHits() throws {
        func stats(_ instructions: String) throws -> Report {
            try Simulation(config: config(["workload.kind=uniform", "workload.accesses=20000", "workload.footprint=1MiB",
                                           "workload.instructions_per_access=\(instructions)"])).run()
        }
        let bare = try stats("0"), busy = try stats("{uniform: [1, 20]}")
        for name in ["cpu0.l1d.hits", "cpu0.l1d.misses", "cpu0.l2.hits", "cpu0.l2.misses", "memory.reads", "memory.writes"] {
            #expect(bare.value(name) == busy.value(name), "\(name)")
        }
        #expect(bare.value("cpu0.instructions") == .integer(0) && bare.value("cpu0.ipc") == .real(0))
        guard case .integer(let n) = busy.value("cpu0.instructions") else { Issue.record("no instruction count"); return }
        #expect(n >= 20_000 && n <= 400_000 && busy.simulatedTime > bare.simulatedTime)
    }

    @Test(arguments: ["out_of_order", "in_order"])
    func coherentCoresExecuteInstructions(model: String) throws {
        // Deferred misses report their completion to the window by ordinal.
        let c = try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: [
            "system.cores_per_socket=2", "workload.kind=zipfian", "workload.accesses=3000", "workload.footprint=4MiB",
            "workload.instructions_per_access=4", "core.model=\(model)"]))
        let r = try Simulation(config: c).run()
        #expect(r.value("cpu0.instructions") == .integer(12_000) && r.value("cpu1.instructions") == .integer(12_000))
        guard case .real(let ipc)? = r.value("cpu0.ipc"), case .integer(let held)? = r.value("cpu0.stall_cycles.memory"),
              case .integer(let stalls)? = r.value("cpu0.stall_cycles") else { Issue.record("missing statistics"); return }
        // Ten outstanding misses span 40 instructions: out of order, the window of 224 never
        // fills; in order, every load miss holds the next instruction.
        #expect(ipc > 0 && ipc < 4 && (model == "in_order" ? held > stalls : held == stalls),
                "IPC \(ipc), memory stalls \(held) of which access stalls \(stalls)")
    }

    @Test(arguments: [
        ("core:\n  model: superscalar\n", "2:10: core.model: 'superscalar' is not one of out_of_order, in_order"),
        ("core:\n  ipc: 0\n", "2:8: core.ipc: must be greater than 0"),
        ("core:\n  ipc: 1.2345\n", "2:8: core.ipc: 1.2345 has more than three decimals"),
        ("core:\n  rob_size: 0\n", "2:13: core.rob_size: 0 is outside the allowed range 1...4096"),
        ("workload:\n  instructions_per_access: {uniform: [8, 2]}\n", "2:28: workload.instructions_per_access: uniform: [8, 2]: the first bound is above the second"),
        ("workload:\n  instructions_per_access: {normal: [1, 2]}\n", "2:28: workload.instructions_per_access: unknown distribution 'normal'"),
        ("workload:\n  instructions_per_access: -1\n", "2:28: workload.instructions_per_access: -1 is outside the allowed range 0...1000000"),
    ])
    func badCoreSettingsAreConfigErrors(yaml: String, message: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        #expect { _ = try SimulationConfig(KonaSchema.loader.load(path: path)) } throws: { error in
            "\(error)".hasPrefix("\(path):\(message)")
        }
    }

    @Test func aDistributionRoundTripsThroughTheResolvedConfig() throws {
        let c = try KonaSchema.loader.load(path: nil, overrides: ["workload.instructions_per_access={uniform: [2, 8]}"])
        #expect(c.text("workload.instructions_per_access") == "{uniform: [2, 8]}")
        #expect(c.yaml().contains("  instructions_per_access: {uniform: [2, 8]}\n"))
        #expect(c.distribution("workload.instructions_per_access") == CountDistribution(lower: 2, upper: 8))
    }
}
