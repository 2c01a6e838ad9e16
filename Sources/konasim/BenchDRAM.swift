import ArgumentParser
import Foundation
import KonaConfig
import KonaHardware
import KonaSystem

extension KonaSimCommand.Bench {
    /// `konasim bench dram`: a request stream through the banked DRAM model alone.
    struct DRAM: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dram",
            abstract: "Drive the banked DRAM model (memory.dram.*) with a synthetic stream; print mean and p99 read latency, sustained bandwidth and row-hit rate (docs/dram.md).")

        @Option(help: "seq, random, mix (every third a write), conflict (two rows of one bank) or ramp (10% to 100% of peak in 10 steps).")
        var stream: DRAMStream.Kind = .random
        @Option(help: "Requests.") var requests = 100_000
        @Option(help: "Offered rate as a fraction of the data bus's peak (not for ramp).") var rate = 0.5
        @Option(help: "The preset (memory.dram.preset).") var preset = "DDR4-3200"
        @Option(help: "Override a memory.dram key, e.g. memory.dram.page_policy=closed.") var set: [String] = []
        @Option(help: ArgumentHelp("Also write the stream as a DRAMsim3 trace (address, READ/WRITE, cycle) to FILE.", valueName: "file"))
        var emitTrace: String?

        func validate() throws {
            guard requests >= 10 else { throw ValidationError("--requests must be at least 10") }
            guard rate > 0 && rate <= 4 else { throw ValidationError("--rate must be in (0, 4]") }
        }

        func run() throws {
            let resolved = try SimulationConfig(KonaSchema.loader.load(
                path: nil, overrides: ["memory.dram.model=banked", "memory.dram.preset=\(preset)"] + set)).resolved
            let parameters = DRAMParameters(resolved, prefix: "memory")
            let s = DRAMStream(stream, count: requests, rate: rate, parameters: parameters)
            if let emitTrace {
                var text = ""
                text.reserveCapacity(requests * 24)
                for i in 0 ..< requests { text += s.traceLine(i) + "\n" }
                try text.write(toFile: emitTrace, atomically: true, encoding: .utf8)
            }
            let run = DRAMStreamRun(s, parameters: parameters)
            let rateText = stream == .ramp ? "ramp" : Summary3.fixed(rate)
            print("dram stream=\(stream) preset=\(preset) requests=\(requests) rate=\(rateText) cycles=\(run.cycles)"
                  + " read_latency_ns=\(Summary3.fixed(run.readLatency)) read_latency_p99_ns=\(Summary3.fixed(run.readLatencyP99))"
                  + " bandwidth_gbps=\(Summary3.fixed(run.bandwidth / 1e9)) row_hit_rate=\(Summary3.fixed(run.rowHitRate))")
            for (step, latency) in run.stepLatency.enumerated() {
                print("dram-ramp step=\(step + 1) offered=\((step + 1) * 10)% read_latency_ns=\(Summary3.fixed(latency))")
            }
        }
    }
}

extension DRAMStream.Kind: ExpressibleByArgument {}
