import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
import KonaOutputs
@testable import KonaSystem

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
        var second = load(4096, instructions: 1)
        second.dependent = true
        let simulation = Simulation(config: try coherentConfig(["system.cores_per_socket=2"]),
                                    sources: [Program([], trailing: 10_000), Program([load(0, instructions: 1), second], trailing: 1)])
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
