import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KonaConfig
import KonaOutputs
import KonaSystem

extension KonaSimCommand {
    /// `konasim run`: one simulation, a summary, optionally every statistic as JSON.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run one simulation and print a summary.",
            discussion: "With no CONFIG, runs the embedded default (hwconfigs/default.yaml).")

        @OptionGroup var options: ConfigOptions

        @Option(help: ArgumentHelp("Run a recorded trace instead of the config's workload: Lackey text (plain or gzip) or the binary format, its threads on cores by workload.placement; or, repeated as cpuN=FILE, one trace per core (workload.traces).", valueName: "file"))
        var trace: [String] = []

        @Option(help: "Stop each core after N accesses (sets run.max_accesses).")
        var accesses: UInt64?

        @Option(help: "Run seed (sets seed).")
        var seed: UInt64?

        @Option(help: ArgumentHelp("Write every statistic as one flat JSON object to FILE.", valueName: "file"))
        var statsJson: String?

        @Flag(help: "Check data values: every load must see the latest store in coherence order (sets run.check; coherent model).")
        var check = false

        @Flag(help: "Print nothing but errors.")
        var quiet = false

        @Flag(help: "Sampled simulation: functional warming between detailed windows, every estimate with its confidence interval (sets run.sampling.enabled; run.sampling.* tunes it).")
        var sample = false

        @Option(help: ArgumentHelp("Write a VCD waveform to FILE (sets trace.vcd).", valueName: "file"))
        var vcd: String?

        @Option(help: ArgumentHelp("Signals to trace: comma-separated globs, e.g. 'cpu0.*,memory.*' (sets trace.signals).", valueName: "globs"))
        var vcdSignals: String?

        @Option(help: ArgumentHelp("Trace only FROM..TO of simulated time, e.g. 10us..20us (sets trace.window); with --sample, that span runs in detail and is traced.", valueName: "range"))
        var vcdWindow: String?

        func run() throws {
            var extra: [String] = []
            extra += try Self.traceOverrides(trace)
            if let accesses { extra.append("run.max_accesses=\(accesses)") }
            if let seed { extra.append("seed=\(seed)") }
            if check { extra.append("run.check=true") }
            if let vcd { extra.append("trace.vcd=\(vcd)") }
            if let vcdSignals { extra.append("trace.signals=\(vcdSignals)") }
            if let vcdWindow { extra.append("trace.window=\(vcdWindow)") }
            if sample { extra.append("run.sampling.enabled=true") }
            let config = try SimulationConfig(try options.resolve(extra: extra))
            if let accesses, case .synthetic(_, let n, _, _, _, _, _, _, _) = config.workload, accesses > n {
                writeStandardError("warning: --accesses \(accesses) is a cap, and the workload has \(n) accesses per core: each core stops at \(n); --set workload.accesses=\(accesses) lengthens it\n")
            }
            if config.sampling != nil { return try runSampled(config) }
            let simulation = try Simulation(config: config)
            var writer: VCDWriter?
            if let path = config.traceVCD {
                do {
                    writer = try VCDWriter(path: path, timescale: config.resolved.string("trace.timescale"),
                                           unit: config.traceTimescale, version: "KonaSim \(KonaVersion.string)")
                } catch {
                    throw InputError(message: "\(error)")
                }
                simulation.trace(into: writer!)
                if simulation.tracer?.signalPaths.isEmpty == true {
                    writeStandardError("warning: trace.signals '\(config.traceSignals.joined(separator: ","))' selects no signal; `konasim signals` lists them\n")
                }
            }
            let showProgress = !quiet && isatty(STDERR_FILENO) == 1
            let total: UInt64? = {
                let cores = UInt64(simulation.cores.count)
                if case .synthetic(_, let n, _, _, _, _, _, _, _) = config.workload { return cores * (config.maxAccesses > 0 ? min(n, config.maxAccesses) : n) }
                return config.maxAccesses > 0 ? config.maxAccesses : nil
            }()
            let report = try simulation.run(progress: showProgress ? { p in
                var line = "\r  simulated \(Summary.time(p.simulatedTime)), \(Summary.grouped(p.accesses)) accesses"
                if let total, total > 0 { line += " (\(Summary.fixed(100 * Double(p.accesses) / Double(total), 1))%)" }
                line += ", \(Summary.fixed(Double(p.accesses) / max(p.hostSeconds, 1e-9) / 1e6, 2)) M accesses/s   "
                writeStandardError(line)
            } : nil)
            if showProgress && report.hostSeconds > 1 { writeStandardError("\r\u{1B}[K") }
            if let statsJson {
                do {
                    try writeFile(statsJson, StatsJSON.render(report.values))
                } catch {
                    throw InputError(message: "cannot write \(statsJson): \(error)")
                }
            }
            if !quiet {
                print(Summary.render(report, simulation: simulation, configName: options.configName), terminator: "")
                if let writer, let path = config.traceVCD {
                    let micros = max(Double(report.simulatedTime) / 1e6, 1e-9)
                    print("waveform   \(path): \(simulation.tracer!.signalPaths.count) signals, \(Summary.grouped(UInt64(writer.bytesWritten))) bytes (\(Summary.fixed(Double(writer.bytesWritten) / micros, 0)) bytes per simulated us)")
                }
            }
        }
    }
}

extension KonaSimCommand.Run {
    /// `--trace FILE` (workload.trace) or `--trace cpuN=FILE ...` (workload.traces) as overrides.
    static func traceOverrides(_ traces: [String]) throws -> [String] {
        guard !traces.isEmpty else { return [] }
        func perCore(_ item: String) -> (core: String, path: String)? {
            guard let eq = item.firstIndex(of: "="), item.hasPrefix("cpu"),
                  item[item.index(item.startIndex, offsetBy: 3)..<eq].allSatisfy(\.isNumber), eq > item.index(item.startIndex, offsetBy: 3) else { return nil }
            return (String(item[..<eq]), String(item[item.index(after: eq)...]))
        }
        let pairs = traces.compactMap(perCore)
        if pairs.isEmpty && traces.count == 1 {
            return ["workload.kind=lackey", "workload.trace=\(traces[0])", "workload.traces="]
        }
        guard pairs.count == traces.count else {
            throw InputError(message: "--trace: give one FILE, or cpuN=FILE for each core (got \(traces.joined(separator: " ")))")
        }
        let quoted = pairs.map { "\($0.core): \"" + $0.path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        return ["workload.kind=lackey", "workload.trace=", "workload.traces={" + quoted.joined(separator: ", ") + "}"]
    }
}

/// Writes `text` to `path` atomically (a temporary file renamed into place).
func writeFile(_ path: String, _ text: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    guard let file = fopen(temporary, "w") else { throw InputError(message: String(cString: strerror(errno))) }
    let ok = fputs(text, file) >= 0
    fclose(file)
    guard ok, rename(temporary, path) == 0 else {
        unlink(temporary)
        throw InputError(message: String(cString: strerror(errno)))
    }
}
