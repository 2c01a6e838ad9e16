import ArgumentParser
import KonaConfig
import KonaEngine
import KonaSystem

extension KonaSimCommand {
    /// `konasim signals`: what can be traced.
    struct Signals: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "signals",
            abstract: "List every signal the config's system can trace (select them with trace.signals or --vcd-signals).")

        @OptionGroup var options: ConfigOptions

        /// Accepts the declarations and discards changes.
        final class Listing: TraceSink {
            func begin(signals: [(path: String, kind: SignalKind)], initial: [UInt64], strings: SignalStrings, at start: Tick) {}
            func change(_ id: SignalID, at time: Tick, raw: UInt64) {}
            func end(at time: Tick) {}
        }

        func run() throws {
            var config = try SimulationConfig(try options.resolve())
            config.traceSignals = ["*"]
            let simulation = try Simulation(config: config)
            simulation.trace(into: Listing())
            for signal in simulation.tracer!.signals.sorted(by: { $0.path < $1.path }) {
                let kind: String = switch signal.kind {
                case .wire(let w): w == 1 ? "wire" : "wire[\(w)]"
                case .real: "real"
                case .string: "string"
                }
                print("\(signal.path)  \(kind)")
            }
        }
    }
}
