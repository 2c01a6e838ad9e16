import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KonaConfig
import KonaEngine
import KonaOutputs
import KonaSweeps
import KonaSystem

extension KonaSimCommand {
    /// `konasim sweep`: run every point of a sweep file, in parallel, into a results file.
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sweep",
            abstract: "Run a design-space sweep (every point is validated before any runs).",
            discussion: """
            Points run as separate processes, --jobs at a time. Results (CSV or JSON Lines, by the \
            output's extension) have one row per point: point, repeat, seed, the axis values, the \
            metrics, the KonaSim version and a hash of the point's resolved config. Rows are appended \
            as points finish (each in one write) and the file is rewritten in point order at the end, \
            so --resume after an interruption skips finished points and the result does not depend \
            on how the sweep was run or sharded. Exit code 3 if any point failed.
            """)

        @Argument(help: "Sweep file (YAML).") var file: String
        @Option(name: .shortAndLong, help: ArgumentHelp("Results file: .csv or .jsonl.", valueName: "file")) var output: String = "results.csv"
        @Option(help: "Points to run at once (default: all cores).") var jobs: Int?
        @Option(help: ArgumentHelp("Run only shard i of N (points with index % N == i).", valueName: "i/N")) var shard: String?
        @Flag(help: "Keep the rows already in the results file and run only the missing points.") var resume = false
        @Option(help: ArgumentHelp("Write a Slurm job array (and a merge job that depends on it) to DIR instead of running.", valueName: "dir"))
        var emitSlurm: String?
        @Option(help: "Shards (array tasks) for --emit-slurm.") var shards: Int = 4

        func validate() throws {
            guard output.hasSuffix(".csv") || output.hasSuffix(".jsonl") else { throw ValidationError("-o must end in .csv or .jsonl") }
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
            _ = try shardSpec()
            guard shards >= 1 else { throw ValidationError("--shards must be at least 1") }
        }

        func shardSpec() throws -> SweepShard? {
            guard let shard else { return nil }
            do { return try SweepShard(parsing: shard) } catch let error as SweepError { throw ValidationError(error.message) }
        }

        func run() throws {
            let spec = try SweepSpec(path: file)
            if let emitSlurm {
                print(try SlurmScripts.write(to: emitSlurm, sweepFile: file, shards: shards, output: output))
                return
            }
            let execution = SweepExecution(spec: spec, output: output, shard: try shardSpec(), resume: resume)
            let runner = PointRunner(sweepFile: file, jobs: jobs ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
            let failures = try execution.run(with: runner)
            if !failures.isEmpty {
                for (index, message) in failures { writeStandardError("point \(index) failed: \(message)\n") }
                throw ExitCode(3)
            }
        }
    }

    /// `konasim sweep-point`: run one point and print its result row (used by `sweep`).
    struct SweepPoint: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sweep-point", abstract: "Run one point of a sweep; print its row as JSON.",
                                                        shouldDisplay: false)
        @Argument var file: String
        @Option var point: Int

        func run() throws {
            let spec = try SweepSpec(path: file)
            let points = spec.points()
            guard point >= 0 && point < points.count else { throw InputError(message: "no point \(point) in \(file)") }
            let p = points[point]
            let resolved = try spec.config(for: p)
            let config = try SimulationConfig(resolved)
            let value: (String) -> StatValue?
            if config.sampling != nil {
                if let problem = SampledRun.unsupported(config) { throw InputError(message: "\(file): run.sampling does not support \(problem)") }
                let values = Dictionary(SampledSummary.values(try SampledRun(config: config).run()).map { ($0.name, $0.value) },
                                        uniquingKeysWith: { a, _ in a })
                value = { values[$0] }
            } else {
                let report = try Simulation(config: config).run()
                value = { report.value($0) }
            }
            var metrics: [(name: String, value: StatValue)] = []
            for m in spec.metrics {
                guard let v = value(m) else { throw InputError(message: "\(file): metric '\(m)' is not a statistic of this system") }
                metrics.append((m, v))
            }
            print(SweepRow(point: p, seed: config.seed, metrics: metrics, version: KonaVersion.string, resolvedYAML: resolved.yaml()).json)
        }
    }

    /// `konasim merge`: join results files (shards) into one, in point order.
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "merge", abstract: "Merge sweep results files (shards) into one, in point order.")
        @Argument(help: "Results files (.csv or .jsonl).") var inputs: [String]
        @Option(name: .shortAndLong, help: ArgumentHelp("Merged file (.csv or .jsonl).", valueName: "file")) var output: String

        func run() throws {
            guard !inputs.isEmpty else { throw ValidationError("give at least one results file") }
            try ResultsFile.merge(inputs, into: output)
        }
    }
}
