import ArgumentParser
import KonaConfig
import KonaSystem
import KonaWorkloads

extension KonaSimCommand.Bench {
    struct Functional: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "functional",
            abstract: "The functional model's accesses/s (median of 3) on the default config's hardware: a trace FILE, `default` (its own workload) or `random` (the pycachesim anchor's random trace on one core), repeated to at least --accesses.")

        @Argument(help: "A trace file (Lackey or binary), `default` or `random`.") var workload: String
        @Option(help: "Accesses at least (the workload is repeated whole).") var accesses: UInt64 = 20_000_000
        @Flag(help: "Also run the detailed model once on one pass of the workload and print its accesses/s.") var detailed = false

        func run() throws {
            var overrides = ["stats.dirty_interval=0", "trace.vcd="]
            switch workload {
            case "default": break
            case "random": overrides += ["system.cores_per_socket=1"]
            default: overrides += ["workload.kind=lackey", "workload.trace=\(workload)", "workload.traces="]
            }
            let config = try SimulationConfig(KonaSchema.loader.load(text: EmbeddedDefault.yaml, name: EmbeddedDefault.name,
                                                                      overrides: overrides))
            if let problem = FunctionalRun.unsupported(config) { throw InputError(message: "bench functional: \(problem)") }
            func sources() throws -> [any AccessSource] {
                workload == "random" ? [AnchorTrace(random: true, count: 2_000_000)] : try Simulation.workloadSources(config).0
            }
            let once = try sources().map { source throws(WorkloadError) in try RepeatedAccesses(reading: source, times: 1) }
            let pass = once.reduce(0) { $0 + $1.count }
            guard pass > 0 else { throw InputError(message: "bench functional: \(workload) has no accesses") }
            let times = Int((accesses + UInt64(pass) - 1) / UInt64(pass))
            var rates: [Double] = []
            var applied: UInt64 = 0, messages: UInt64 = 0
            for _ in 0..<3 {
                let repeated = try sources().map { source throws(WorkloadError) in try RepeatedAccesses(reading: source, times: times) }
                let run = FunctionalRun(config: config, sources: repeated)
                let start = ContinuousClock.now
                applied = try run.run()
                let seconds = (ContinuousClock.now - start).seconds
                messages = run.system.messages
                rates.append(Double(applied) / seconds)
            }
            let rate = rates.sorted()[1]
            var line = "functional workload=\(workload) accesses=\(applied) passes=\(times) messages=\(messages) accesses_per_sec=\(Int(rate))"
            if detailed {
                let report = try Simulation(config: config, sources: try sources()).run()
                let detailedRate = Double(report.accesses) / report.hostSeconds
                line += " detailed_accesses=\(report.accesses) detailed_accesses_per_sec=\(Int(detailedRate)) speedup=\(Summary3.fixed(rate / detailedRate))"
            }
            print(line)
        }
    }
}
