#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KonaConfig

/// Runs numbered units of work as child processes of this executable (a sweep's points as
/// `konasim sweep-point FILE --point i`, a comparison's runs as `konasim run ...`), `jobs` at
/// a time, with a progress line on a terminal (done, running, failed, ETA) and a plain line
/// per unit otherwise. A failed unit is reported and the others go on.
struct PointRunner {
    let jobs: Int
    /// What the units are called in progress lines ("points", "runs").
    var noun = "points"
    /// The arguments (after the executable) that run unit `i`.
    let arguments: (Int) -> [String]
    /// Whether a unit's end is a line on standard output when it is not a terminal (a sweep's
    /// log); a comparison prints only its table there.
    var logsToOutput = true

    /// A runner of `sweepFile`'s points.
    init(sweepFile: String, jobs: Int) {
        self.jobs = jobs
        arguments = { ["sweep-point", sweepFile, "--point", String($0)] }
    }

    init(jobs: Int, noun: String, logsToOutput: Bool, arguments: @escaping (Int) -> [String]) {
        self.jobs = jobs
        self.noun = noun
        self.logsToOutput = logsToOutput
        self.arguments = arguments
    }

    private var executable: String {
        #if os(Linux)
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return link }
        #endif
        return CommandLine.arguments[0]
    }

    /// Runs `points`; `done` receives each finished point's JSON row. Returns the failures.
    func run(_ points: [SweepSpec.Point], total: Int, alreadyDone: Int,
             done: (Int, String) throws -> Void) throws -> [(Int, String)] {
        try run(points.map(\.index), total: total, alreadyDone: alreadyDone, done: done)
    }

    /// Runs the units numbered `indices`; `done` receives each finished unit's last line of
    /// output. Returns the failures with the last line of their standard error.
    func run(_ indices: [Int], total: Int, alreadyDone: Int,
             done: (Int, String) throws -> Void) throws -> [(Int, String)] {
        let terminal = isatty(STDERR_FILENO) == 1
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-sweep-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var queue = indices[...]
        var running: [pid_t: Int] = [:]
        var failures: [(Int, String)] = []
        var finished = alreadyDone
        let start = Date()
        func progress() {
            guard terminal else { return }
            let elapsed = Date().timeIntervalSince(start)
            let newlyDone = finished - alreadyDone
            let eta = newlyDone > 0 ? elapsed / Double(newlyDone) * Double(total - finished) : 0
            writeStandardError("\r  \(noun) \(finished)/\(total) done, \(running.count) running, \(failures.count) failed, ETA \(Int(eta.rounded())) s   ")
        }
        while !queue.isEmpty || !running.isEmpty {
            while running.count < jobs, let index = queue.popFirst() {
                running[try spawn(index, in: directory)] = index
            }
            progress()
            var status: Int32 = 0
            let pid = waitpid(-1, &status, 0)
            guard pid > 0, let index = running.removeValue(forKey: pid) else { continue }
            finished += 1
            let out = (try? String(contentsOfFile: "\(directory)/\(index).out", encoding: .utf8)) ?? ""
            let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            if exited == 0 {
                try done(index, out.split(separator: "\n").last.map(String.init) ?? "")
                if !terminal && logsToOutput { print("\(noun.dropLast()) \(index) done (\(finished)/\(total))"); fflush(nil) }
            } else {
                let err = (try? String(contentsOfFile: "\(directory)/\(index).err", encoding: .utf8)) ?? ""
                let message = err.split(separator: "\n").last.map(String.init) ?? "exit status \(exited)"
                failures.append((index, message))
                if !terminal && logsToOutput { print("\(noun.dropLast()) \(index) FAILED (\(finished)/\(total)): \(message)"); fflush(nil) }
            }
        }
        if terminal { writeStandardError("\r\u{1B}[K") }
        return failures
    }

    private func spawn(_ index: Int, in directory: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "\(directory)/\(index).out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "\(directory)/\(index).err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let arguments = [executable] + self.arguments(index)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, &argv, environ)
        guard rc == 0 else { throw InputError(message: "cannot start \(executable): \(String(cString: strerror(rc)))") }
        return pid
    }
}

/// Writes a Slurm job array that runs a sweep's shards and a merge job that waits for it.
enum SlurmScripts {
    static func write(to directory: String, sweepFile: String, shards: Int, output: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/results", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        let dir = URL(fileURLWithPath: directory).standardizedFileURL.path
        let sweep = URL(fileURLWithPath: sweepFile).standardizedFileURL.path
        let exe = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let ext = output.hasSuffix(".jsonl") ? "jsonl" : "csv"
        let array = """
        #!/bin/bash
        # A KonaSim sweep as a Slurm job array: task i runs shard i of \(shards).
        #SBATCH --job-name=konasim-sweep
        #SBATCH --array=0-\(shards - 1)
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=1
        #SBATCH --output=\(dir)/logs/sweep-%A_%a.out
        set -euo pipefail
        "\(exe)" sweep "\(sweep)" --shard "${SLURM_ARRAY_TASK_ID}/\(shards)" --jobs 1 -o "\(dir)/results/shard-${SLURM_ARRAY_TASK_ID}.\(ext)"

        """
        let merge = """
        #!/bin/bash
        # Merges the shards once every array task has succeeded (submitted with --dependency=afterok).
        #SBATCH --job-name=konasim-merge
        #SBATCH --ntasks=1
        #SBATCH --output=\(dir)/logs/merge-%j.out
        set -euo pipefail
        "\(exe)" merge "\(dir)"/results/shard-*.\(ext) -o "\(dir)/results.\(ext)"

        """
        let submit = """
        #!/bin/bash
        # Submits the array, then the merge job that depends on it. Prints both job ids.
        set -euo pipefail
        cd "$(dirname "$0")"
        array=$(sbatch --parsable sweep.sbatch)
        merge=$(sbatch --parsable --dependency=afterok:${array} merge.sbatch)
        echo "array ${array} merge ${merge}"

        """
        for (name, text) in [("sweep.sbatch", array), ("merge.sbatch", merge), ("submit.sh", submit)] {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
            chmod(directory + "/" + name, 0o755)
        }
        print("wrote \(directory)/sweep.sbatch (array 0-\(shards - 1)), merge.sbatch and submit.sh; run \(directory)/submit.sh")
    }
}
