#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import KonaConfig
@testable import KonaSystem
import KonaWorkloads

/// A temporary file holding `text`.
private func temporary(_ text: String, _ suffix: String = ".lackey") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-\(UUID().uuidString)\(suffix)").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Lackey text of `loads` loads and `stores` stores by `thread`, in separate lines.
private func lines(thread: UInt32, loads: Int, stores: Int, base: UInt64) -> String {
    var text = "--1--   SCHED[\(thread)]:  acquired lock (x)\n"
    for i in 0..<loads { text += "I  0400000,3\n L \(String(base + UInt64(i) * 64, radix: 16)),8\n" }
    for i in 0..<stores { text += " S \(String(base + 0x10_0000 + UInt64(i) * 64, radix: 16)),8\n" }
    return text
}

private func run(_ overrides: [String]) throws -> Report {
    try Simulation(config: coherentConfig(overrides)).run()
}

/// A trace's threads run on the cores `workload.placement` gives them, each its own stream.
@Suite struct TracePlacementTests {
    /// Thread 1: 30 loads then 5 stores; thread 2: 7 loads, 20 stores; interleaved in two turns each.
    static func twoThreads() throws -> String {
        try temporary("==1== banner\n" + lines(thread: 1, loads: 20, stores: 0, base: 0x100000)
                      + lines(thread: 2, loads: 7, stores: 10, base: 0x800000)
                      + lines(thread: 1, loads: 10, stores: 5, base: 0x200000)
                      + lines(thread: 2, loads: 0, stores: 10, base: 0x900000))
    }

    @Test func aTwoThreadTracesRecordsReachTheRightCores() throws {
        let path = try Self.twoThreads()
        let r = try run(["workload.kind=lackey", "workload.trace=\(path)"])   // round robin: 1 -> cpu0, 2 -> cpu1
        #expect(integer(r, "cpu0.loads") == 30 && integer(r, "cpu0.stores") == 5)
        #expect(integer(r, "cpu1.loads") == 7 && integer(r, "cpu1.stores") == 20)
        #expect(integer(r, "cpu0.instructions") == 30 && integer(r, "cpu1.instructions") == 7)
        #expect(integer(r, "cpu2.loads") + integer(r, "cpu3.loads") + integer(r, "cpu2.stores") + integer(r, "cpu3.stores") == 0)
        // An explicit map, and the same trace in the binary format.
        let mapped = try run(["workload.kind=lackey", "workload.trace=\(path)", "workload.placement={1: cpu3, 2: cpu0}"])
        #expect(integer(mapped, "cpu3.loads") == 30 && integer(mapped, "cpu0.stores") == 20 && integer(mapped, "cpu1.loads") == 0)
        let binary = path + ".ktr"
        let writer = try BinaryTraceWriter(path: binary)
        let reader = try LackeyTraceReader(path: path)
        var record = TraceRecord.none
        while try reader.nextRecord(into: &record) { try writer.append(record) }
        try writer.finish()
        let fromBinary = try run(["workload.kind=lackey", "workload.trace=\(binary)", "workload.placement={1: cpu3, 2: cpu0}"])
        #expect(fromBinary.values.map { "\($0.name)=\($0.value)" } == mapped.values.map { "\($0.name)=\($0.value)" })
    }

    @Test func threadsShareCoresRoundRobinOverWorkloadThreads() throws {
        let path = try Self.twoThreads()
        let r = try run(["workload.kind=lackey", "workload.trace=\(path)", "workload.threads=1"])
        #expect(integer(r, "cpu0.loads") == 37 && integer(r, "cpu0.stores") == 25 && integer(r, "cpu1.loads") == 0)
    }

    @Test func aThreadMapNamingACoreTheSystemLacksIsAnError() throws {
        let path = try Self.twoThreads()
        let file = try temporary("workload:\n  kind: lackey\n  trace: \(path)\n  placement: {1: cpu0, 2: cpu4}\n", ".yaml")
        let error = #expect(throws: ConfigError.self) { try SimulationConfig(KonaSchema.loader.load(path: file)) }
        #expect(error?.keyPath == "workload.placement" && error?.line == 4 && error?.column == 27, "\(String(describing: error))")
        #expect(error?.problem.contains("cpu4") == true && error?.problem.contains("4 cores") == true)
        // Block style names the entry's own line.
        let block = try temporary("workload:\n  kind: lackey\n  trace: \(path)\n  placement:\n    1: cpu0\n    2: cpu9\n", ".yaml")
        let blockError = #expect(throws: ConfigError.self) { try SimulationConfig(KonaSchema.loader.load(path: block)) }
        #expect(blockError?.line == 6 && blockError?.column == 8, "\(String(describing: blockError))")
        // Not a core at all.
        #expect(throws: ConfigError.self) { try coherentConfig(["workload.kind=lackey", "workload.trace=\(path)", "workload.placement={1: core0}"]) }
    }

    @Test func aThreadWithoutACoreOrAMissingThreadIsAnError() throws {
        let path = try Self.twoThreads()
        let unplaced = try coherentConfig(["workload.kind=lackey", "workload.trace=\(path)", "workload.placement={1: cpu0}"])
        let error = #expect(throws: WorkloadError.self) { try Simulation(config: unplaced) }
        #expect(error?.problem.contains("thread 2") == true, "\(String(describing: error))")
        let extra = try coherentConfig(["workload.kind=lackey", "workload.trace=\(path)", "workload.placement={1: cpu0, 2: cpu1, 5: cpu2}"])
        let extraError = #expect(throws: WorkloadError.self) { try Simulation(config: extra) }
        #expect(extraError?.problem.contains("thread 5") == true, "\(String(describing: extraError))")
    }

    @Test func oneTraceFilePerCore() throws {
        let a = try temporary(lines(thread: 1, loads: 12, stores: 3, base: 0x100000))
        let b = try temporary(lines(thread: 1, loads: 4, stores: 9, base: 0x400000) + lines(thread: 2, loads: 1, stores: 0, base: 0x500000))
        let r = try run(["workload.kind=lackey", "workload.traces={cpu0: \(a), cpu2: \(b)}"])
        #expect(integer(r, "cpu0.loads") == 12 && integer(r, "cpu0.stores") == 3)
        #expect(integer(r, "cpu2.loads") == 5 && integer(r, "cpu2.stores") == 9)     // both of b's threads
        #expect(integer(r, "cpu1.loads") == 0 && integer(r, "cpu3.loads") == 0)
        let missing = #expect(throws: ConfigError.self) { try coherentConfig(["workload.kind=lackey", "workload.traces={cpu0: \(a), cpu4: \(b)}"]) }
        #expect(missing?.keyPath == "workload.traces")
        #expect(throws: ConfigError.self) { try coherentConfig(["workload.kind=lackey", "workload.trace=\(a)", "workload.traces={cpu0: \(a)}"]) }
    }

    @Test func aSingleThreadTraceStillRunsOnCpu0Alone() throws {
        let path = try temporary(lines(thread: 1, loads: 3, stores: 2, base: 0))
        let simulation = try Simulation(config: coherentConfig(["workload.kind=lackey", "workload.trace=\(path)"]))
        #expect(simulation.workloadDescription == "lackey trace \(path) on cpu0 (other cores idle)")
        let r = try simulation.run()
        #expect(integer(r, "cpu0.loads") == 3 && integer(r, "cpu0.stores") == 2 && integer(r, "cpu1.loads") == 0)
    }

    /// Thread 1: a few accesses and few instructions; thread 2: 40,000 instructions, most of
    /// them held across switches or after its last access.
    static func instructionHeavy() throws -> String {
        var text = "--1--   SCHED[1]:  acquired lock (x)\n"
        text += "I  0400000,3\n L 100000,8\nI  0400003,3\n"                          // thread 1: 2
        text += "--1--   SCHED[2]:  acquired lock (x)\n" + String(repeating: "I  0500000,3\n", count: 10_000)
        text += " L 800000,8\n" + String(repeating: "I  0500000,3\n", count: 5_000)   // thread 2: 10,000, then 5,000 held
        text += "--1--   SCHED[1]:  acquired lock (x)\nI  0400006,3\n S 100040,8\n"  // thread 1: 2 (1 held + 1)
        text += "--1--   SCHED[2]:  acquired lock (x)\n" + String(repeating: "I  0500000,3\n", count: 5_000)
        text += " S 800040,8\n" + String(repeating: "I  0500000,3\n", count: 20_000)  // 10,000 (5,000 held); 20,000 trailing
        return try temporary(text)
    }

    @Test func eachThreadsInstructionsRunOnItsCore() throws {
        let path = try Self.instructionHeavy()
        let binary = path + ".ktr"
        let writer = try BinaryTraceWriter(path: binary)
        let reader = try LackeyTraceReader(path: path)
        var record = TraceRecord.none
        while try reader.nextRecord(into: &record) { try writer.append(record) }
        try writer.finish()
        for trace in [path, binary] {
            let r = try run(["workload.kind=lackey", "workload.trace=\(trace)"])   // 1 -> cpu0, 2 -> cpu1
            #expect(integer(r, "cpu0.instructions") == 3 && integer(r, "cpu1.instructions") == 40_000)
            #expect(integer(r, "cpu2.instructions") + integer(r, "cpu3.instructions") == 0)
            // cpu1 executes its thread's 40,000 instructions at 4 per cycle: at least 10,000 of its cycles.
            let ipc1 = r.value("cpu1.ipc")?.asDouble ?? 0
            #expect(ipc1 > 3 && ipc1 <= 4, "cpu1.ipc \(ipc1)")
            let execution = r.value("sim.execution_time_ns")?.asDouble ?? 0
            let cycle = 1e9 / Double(try coherentConfig().coreHertz)
            #expect(execution >= 10_000 * cycle, "execution \(execution) ns")
            // Both threads on one core: all their instructions there.
            let shared = try run(["workload.kind=lackey", "workload.trace=\(trace)", "workload.threads=1"])
            #expect(integer(shared, "cpu0.instructions") == 40_003 && integer(shared, "cpu1.instructions") == 0)
        }
        // The Lackey text and its binary give the same statistics, placed either way.
        for overrides in [[String](), ["workload.threads=1"], ["workload.placement={1: cpu2, 2: cpu0}"]] {
            let text = try run(["workload.kind=lackey", "workload.trace=\(path)"] + overrides)
            let bin = try run(["workload.kind=lackey", "workload.trace=\(binary)"] + overrides)
            #expect(bin.values.map { "\($0.name)=\($0.value)" } == text.values.map { "\($0.name)=\($0.value)" }, "\(overrides)")
        }
    }
}
