#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KonaConfig
import KonaOutputs
import KonaSystem

extension KonaSimCommand.Run {
    /// `konasim run --sample` (or `run.sampling.enabled`): a sampled run, its summary, its
    /// estimates as JSON, and a warning per interval wider than the target; with `--vcd` and
    /// `--vcd-window`, the span traced in detail first (`SampledRun.traceSpan`).
    func runSampled(_ config: SimulationConfig) throws {
        if let problem = SampledRun.unsupported(config) {
            throw InputError(message: "--sample (run.sampling.enabled) does not support \(problem)")
        }
        let workload = try Simulation.workloadSources(config).1
        let run = try SampledRun(config: config)
        var traced: (writer: VCDWriter, path: String, signals: Int, accesses: UInt64)?
        if let path = config.traceVCD {
            let writer: VCDWriter
            do {
                writer = try VCDWriter(path: path, timescale: config.resolved.string("trace.timescale"),
                                       unit: config.traceTimescale, version: "KonaSim \(KonaVersion.string)")
            } catch {
                throw InputError(message: "\(error)")
            }
            let span = try run.traceSpan(into: writer)
            let signals = span.simulation.tracer?.signalPaths.count ?? 0
            if signals == 0 {
                writeStandardError("warning: trace.signals '\(config.traceSignals.joined(separator: ","))' selects no signal; `konasim signals` lists them\n")
            }
            traced = (writer, path, signals, span.report.accesses)
        }
        let report = try run.run()
        if let statsJson {
            do {
                try writeFile(statsJson, StatsJSON.render(SampledSummary.values(report)))
            } catch {
                throw InputError(message: "cannot write \(statsJson): \(error)")
            }
        }
        if !quiet {
            print(SampledSummary.render(report, run: run, configName: options.configName, workload: workload), terminator: "")
            if let traced, let window = config.traceWindow {
                print("waveform   \(traced.path): \(traced.signals) signals over \(Summary.time(window.lowerBound))..\(Summary.time(window.upperBound)), \(Summary.grouped(UInt64(traced.writer.bytesWritten))) bytes; the span run in detail from the start, \(Summary.grouped(traced.accesses)) accesses (no measured unit)")
            }
        }
        fflush(nil)                     // the summary before the warnings
        for warning in report.warnings { writeStandardError("warning: \(warning)\n") }
    }
}
