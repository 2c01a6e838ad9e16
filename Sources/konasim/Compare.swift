import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KonaSweeps
import KonaConfig
import KonaOutputs
import KonaSystem

extension KonaSimCommand {
    /// `konasim compare`: the same workload on several systems, one table.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compare",
            abstract: "Run the same workload on several systems (Kona, paging presets) and compare them.",
            discussion: """
            Each CONFIG is a YAML file or a preset name (kona, infiniswap, legoos, fastswap, \
            kona-artifact: hwconfigs/NAME.yaml, found in the current directory or beside the \
            executable's package). Every system runs the same workload with the same seed, so \
            the same access stream; the runs go in parallel as separate processes. The table gives \
            each figure and its ratio to the first system. With no CONFIG: kona, infiniswap, legoos \
            and fastswap on the random-access benchmark (\(Self.randomBenchmark.joined(separator: ", "))) \
            at 1, 2 and 4 threads. Exit code 2 for bad input, 3 if a run failed (the others are reported).
            """)

        /// The Kona paper's random-access microbenchmark as KonaSim runs it: each thread reads and
        /// writes random 8-byte words (half of them stores; assumption) over 64 MiB, all of it
        /// remote, four times the presets' 16 MiB of FMem or page cache.
        static let randomBenchmark = ["workload.kind=uniform", "workload.footprint=64MiB", "workload.access_size=8B",
                                      "workload.store_fraction=0.5", "workload.accesses=60000", "memory.remote_fraction=1"]
        static let defaultSystems = ["kona", "infiniswap", "legoos", "fastswap"]

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, md, csv, json }

        @Argument(help: "Configs or preset names; the first is the reference of the ratios.") var configs: [String] = []
        @Option(help: ArgumentHelp("The workload: a YAML file whose workload.* keys apply to every system, or a workload kind (uniform, zipfian, ...).", valueName: "file|kind"))
        var workload: String?
        @Option(help: ArgumentHelp("Run a Valgrind Lackey trace on every system.", valueName: "file")) var trace: String?
        @Option(help: ArgumentHelp("Thread counts (cores running the workload), e.g. 1,2,4.", valueName: "list")) var threads: String?
        @Option(name: .customLong("set"), help: ArgumentHelp("Override a key on every system (repeatable).", valueName: "key=value"))
        var overrides: [String] = []
        @Option(help: "Stop each core after N accesses (sets run.max_accesses).") var accesses: UInt64?
        @Option(help: "Run seed (sets seed).") var seed: UInt64?
        @Option(help: "Output format: table, md, csv or json.") var format: Format = .table
        @Option(help: ArgumentHelp("Write an SVG bar chart of the ratios to FILE.", valueName: "file")) var plot: String?
        @Option(help: "Runs at once (default: all cores).") var jobs: Int?
        @Flag(help: "Sampled runs (run.sampling.*): each figure an estimate; see konasim run --sample.") var sample = false

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
            if workload != nil && trace != nil { throw ValidationError("give --workload or --trace, not both") }
        }

        func run() throws {
            let given = configs.isEmpty ? Self.defaultSystems : configs
            let paths = try given.map(Self.locate)
            let names = Self.labels(given)
            var shared = configs.isEmpty && workload == nil && trace == nil ? Self.randomBenchmark : []
            shared += try workloadOverrides()
            shared += overrides
            if let accesses { shared.append("run.max_accesses=\(accesses)") }
            if let seed { shared.append("seed=\(seed)") }
            if sample { shared.append("run.sampling.enabled=true") }
            let threadCounts = try threadList(default: configs.isEmpty ? [1, 2, 4] : nil)

            // Validate every run before any starts: bad input is reported once, with its place.
            var resolved: [ResolvedConfig] = []
            for (name, path) in zip(names, paths) {
                let config = try KonaSchema.loader.load(path: path, overrides: shared)
                let simulation = try SimulationConfig(config)
                if simulation.sampling != nil, let problem = SampledRun.unsupported(simulation) {
                    throw InputError(message: "--sample does not support \(problem), which \(name) uses (\(path))")
                }
                for t in threadCounts ?? [] where t > simulation.sockets * simulation.coresPerSocket {
                    throw InputError(message: "--threads \(t) is above \(name)'s \(simulation.sockets * simulation.coresPerSocket) cores (\(path))")
                }
                if case .trace(let trace, _) = simulation.workload, !FileManager.default.fileExists(atPath: trace) {
                    throw InputError(message: "the trace \(trace) does not exist")
                }
                resolved.append(config)
            }
            if workload == nil && trace == nil { try Self.checkSameWorkload(names, resolved) }
            let groups = try threadCounts ?? [SimulationConfig(resolved[0]).threads]

            // One run per (thread count, system), as `konasim run` child processes.
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-compare-\(getpid())").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let units = groups.flatMap { t in paths.indices.map { (threads: t, system: $0) } }
            let runner = PointRunner(jobs: jobs ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), noun: "runs", logsToOutput: false) { i in
                let unit = units[i]
                let sets = shared + (threadCounts == nil ? [] : ["workload.threads=\(unit.threads)"])
                return ["run", paths[unit.system], "--quiet", "--stats-json", "\(directory)/\(i).json"] + sets.flatMap { ["--set", $0] }
            }
            var stats: [Int: [String: Double]] = [:]
            let failures = try runner.run(Array(units.indices), total: units.count, alreadyDone: 0) { i, _ in
                stats[i] = try Self.readStats("\(directory)/\(i).json")
            }
            let comparison = Comparison(systems: names, threads: groups, runs: units.indices.map {
                Comparison.Run(system: names[units[$0].system], threads: units[$0].threads, stats: stats[$0])
            })
            switch format {
            case .table: print(comparison.table(), terminator: "")
            case .md: print(comparison.markdown(), terminator: "")
            case .csv: print(comparison.csv(), terminator: "")
            case .json: print(comparison.json(), terminator: "")
            }
            if let plot {
                do {
                    try comparison.chart().render().write(toFile: plot, atomically: true, encoding: .utf8)
                } catch {
                    throw InputError(message: "cannot write \(plot): \(error.localizedDescription)")
                }
            }
            if !failures.isEmpty {
                for (i, message) in failures.sorted(by: { $0.0 < $1.0 }) {
                    writeStandardError("\(names[units[i].system]) at \(units[i].threads) thread(s) failed: \(message)\n")
                }
                throw ExitCode(3)
            }
        }

        /// Short names for the table: a file's name without its directory and `.yaml`, made
        /// unique with its position when two agree.
        static func labels(_ given: [String]) -> [String] {
            let short = given.map { URL(fileURLWithPath: $0).lastPathComponent.replacingOccurrences(of: ".yaml", with: "") }
            return short.enumerated().map { i, s in short.filter { $0 == s }.count > 1 ? "\(s)#\(i + 1)" : s }
        }

        /// `--workload` and `--trace` as overrides.
        private func workloadOverrides() throws -> [String] {
            if let trace {
                guard FileManager.default.fileExists(atPath: trace) else { throw InputError(message: "the trace \(trace) does not exist") }
                return ["workload.kind=lackey", "workload.trace=\(URL(fileURLWithPath: trace).standardizedFileURL.path)"]
            }
            guard let workload else { return [] }
            if case .choice(let kinds) = KonaSchema.schema.key("workload.kind")!.type, kinds.contains(workload) {
                return ["workload.kind=\(workload)"]
            }
            guard FileManager.default.fileExists(atPath: workload) else {
                throw InputError(message: "--workload \(workload) is neither a file nor a workload kind (\(Self.kinds.joined(separator: ", ")))")
            }
            let file = try KonaSchema.loader.load(path: workload)
            return KonaSchema.schema.keys.map(\.path).filter { $0.hasPrefix("workload.") && file.origin($0) != .defaultValue }
                .map { key in
                    key == "workload.trace" ? "\(key)=\(URL(fileURLWithPath: file.text(key), relativeTo: URL(fileURLWithPath: workload).deletingLastPathComponent()).standardizedFileURL.path)"
                        : "\(key)=\(file.text(key))"
                }
        }

        private static var kinds: [String] {
            if case .choice(let kinds) = KonaSchema.schema.key("workload.kind")!.type { return kinds }
            return []
        }

        private func threadList(default fallback: [Int]?) throws -> [Int]? {
            guard let threads else { return fallback }
            let list = threads.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !list.isEmpty, list.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                throw InputError(message: "--threads takes a comma-separated list of counts of at least 1, e.g. 1,2,4; got '\(threads)'")
            }
            return list.map { $0! }
        }

        /// The systems must run the same access stream: the same seed and workload keys.
        static func checkSameWorkload(_ names: [String], _ configs: [ResolvedConfig]) throws {
            let keys = ["seed", "run.max_accesses"] + KonaSchema.schema.keys.map(\.path).filter { $0.hasPrefix("workload.") }
            for (name, config) in zip(names, configs).dropFirst() {
                for key in keys where config.text(key) != configs[0].text(key) {
                    throw InputError(message: "the configs' workloads differ: \(key) is \(configs[0].text(key)) in \(names[0]) but \(config.text(key)) in \(name); give --workload (or --set) so that every system runs the same accesses")
                }
            }
        }

        /// A config file, or a preset's `hwconfigs/NAME.yaml` in the current directory or in an
        /// ancestor of the executable (the package it was built in).
        static func locate(_ name: String) throws -> String {
            if FileManager.default.fileExists(atPath: name) && !name.isEmpty && !isDirectory(name) { return name }
            for directory in presetDirectories() {
                let path = directory + "/" + name + ".yaml"
                if FileManager.default.fileExists(atPath: path) { return path }
            }
            let known = presetDirectories().first.map { dir in
                ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".yaml") }
                    .map { String($0.dropLast(5)) }.sorted()
            } ?? []
            throw InputError(message: "no config file or preset '\(name)'" + (known.isEmpty ? " (no hwconfigs/ directory found)"
                                                                                  : "; presets: " + known.joined(separator: ", ")))
        }

        private static func isDirectory(_ path: String) -> Bool {
            var directory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
        }

        private static func presetDirectories() -> [String] {
            var found: [String] = []
            if isDirectory("hwconfigs") { found.append(URL(fileURLWithPath: "hwconfigs").standardizedFileURL.path) }
            #if os(Linux)
            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            #else
            let executable = CommandLine.arguments[0]
            #endif
            var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
            while url.path != "/" && !url.path.isEmpty {
                let candidate = url.appendingPathComponent("hwconfigs").path
                if isDirectory(candidate) && !found.contains(candidate) { found.append(candidate) }
                url.deleteLastPathComponent()
            }
            return found
        }

        /// A `--stats-json` file as numbers by name.
        static func readStats(_ path: String) throws -> [String: Double] {
            guard let data = FileManager.default.contents(atPath: path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw InputError(message: "cannot read the statistics \(path)")
            }
            var stats: [String: Double] = [:]
            for (key, value) in object {
                if let n = value as? NSNumber { stats[key] = n.doubleValue }
            }
            return stats
        }
    }
}
