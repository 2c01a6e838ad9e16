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
    /// estimates as JSON, and a warning per interval wider than the target.
    func runSampled(_ config: SimulationConfig) throws {
        if let problem = SampledRun.unsupported(config) {
            throw InputError(message: "--sample (run.sampling.enabled) does not support \(problem)")
        }
        let workload = try Simulation.workloadSources(config).1
        let run = try SampledRun(config: config)
        let report = try run.run()
        if let statsJson {
            do {
                try writeFile(statsJson, StatsJSON.render(SampledSummary.values(report)))
            } catch {
                throw InputError(message: "cannot write \(statsJson): \(error)")
            }
        }
        if !quiet { print(SampledSummary.render(report, run: run, configName: options.configName, workload: workload), terminator: "") }
        fflush(nil)                     // the summary before the warnings
        for warning in report.warnings { writeStandardError("warning: \(warning)\n") }
    }
}
