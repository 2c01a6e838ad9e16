import Testing
import KonaConfig
import KonaEngine
import KonaOutputs
import KonaSystem
import KonaWorkloads

/// A core's program for the summary test: accesses with the instructions each carries, then
/// `trailing` instructions after the last one.
private final class Program: AccessSource {
    private var items: [MemoryAccess]
    private var trailing: UInt64
    private(set) var instructions: UInt64 = 0

    init(_ items: [MemoryAccess], trailing: UInt64) {
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

@Suite struct SummaryTests {
    /// The summary's "stalled for memory X% of cycles" from its text.
    private func stalledShare(_ summary: String) throws -> Double {
        let line = try #require(summary.split(separator: "\n").first { $0.hasPrefix("cores") }, "no cores line in\n\(summary)")
        let text = try #require(line.split(separator: "stalled for memory ").last?.split(separator: "%").first)
        return try #require(Double(text))
    }

    @Test func theStalledShareIsTheMeanOfEachCoresOwnShare() throws {
        // cpu0 runs 10,000 instructions without touching memory; cpu1 runs 3 around two
        // dependent DRAM misses and is done early, stalled for over 40% of its own (short) time.
        let first = MemoryAccess(address: 0, size: 8, kind: .load, instructions: 1)
        let second = MemoryAccess(address: 4096, size: 8, kind: .load, dependent: true, instructions: 1)
        let config = try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: ["system.cores_per_socket=2"]))
        let simulation = Simulation(config: config,
                                    sources: [Program([], trailing: 10_000), Program([first, second], trailing: 1)])
        let report = try simulation.run()
        let shares = (0..<2).map { c -> Double in
            let stalled = report.value("cpu\(c).stall_cycles.memory")?.asDouble ?? .nan
            return stalled / Double(simulation.clock.cycle(at: simulation.cores[c].finishTime))
        }
        #expect(shares[0] == 0 && shares[1] > 0.4, "per-core shares \(shares)")
        let share = try stalledShare(Summary.render(report, simulation: simulation, configName: "test"))
        #expect(abs(share - 100 * (shares[0] + shares[1]) / 2) < 0.05, "printed \(share)%, per-core shares \(shares)")
    }
}
