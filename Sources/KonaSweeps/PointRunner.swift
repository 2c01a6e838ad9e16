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
public struct PointRunner {
    public let jobs: Int
    /// What the units are called in progress lines ("points", "runs").
    public var noun = "points"
    /// The arguments (after the executable) that run unit `i`.
    public let arguments: (Int) -> [String]
    /// Whether a unit's end is a line on standard output when it is not a terminal (a sweep's
    /// log); a comparison prints only its table there.
    public var logsToOutput = true
    /// The program each unit runs (this executable unless given).
    public var executable: String = PointRunner.currentExecutable

    /// A runner of `sweepFile`'s points.
    public init(sweepFile: String, jobs: Int) {
        self.jobs = jobs
        arguments = { ["sweep-point", sweepFile, "--point", String($0)] }
    }

    public init(jobs: Int, noun: String, logsToOutput: Bool, executable: String = PointRunner.currentExecutable,
                arguments: @escaping (Int) -> [String]) {
        self.jobs = jobs
        self.executable = executable
        self.noun = noun
        self.logsToOutput = logsToOutput
        self.arguments = arguments
    }

    /// The path of the running executable.
    public static var currentExecutable: String {
        #if os(Linux)
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return link }
        #endif
        return CommandLine.arguments[0]
    }

    /// Runs `points`; `done` receives each finished point's JSON row. Returns the failures.
    public func run(_ points: [SweepSpec.Point], total: Int, alreadyDone: Int,
             done: (Int, String) throws -> Void) throws -> [(Int, String)] {
        try run(points.map(\.index), total: total, alreadyDone: alreadyDone, done: done)
    }

    /// Runs the units numbered `indices`; `done` receives each finished unit's last line of
    /// output. Returns the failures with the last line of their standard error.
    public func run(_ indices: [Int], total: Int, alreadyDone: Int,
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
            Self.writeStandardError("\r  \(noun) \(finished)/\(total) done, \(running.count) running, \(failures.count) failed, ETA \(Int(eta.rounded())) s   ")
        }
        while !queue.isEmpty || !running.isEmpty {
            while running.count < jobs, let index = queue.popFirst() {
                running[try spawn(index, in: directory)] = index
            }
            progress()
            let (pid, exited) = Self.waitForOne(of: running.keys.sorted())
            let index = running.removeValue(forKey: pid)!
            finished += 1
            let out = (try? String(contentsOfFile: "\(directory)/\(index).out", encoding: .utf8)) ?? ""
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
        if terminal { Self.writeStandardError("\r\u{1B}[K") }
        return failures
    }

    /// Waits until one of `children` exits and returns it with its exit status (128 + the
    /// signal if a signal ended it; 127 if it was reaped elsewhere). Only these children are
    /// waited for, never `waitpid(-1)`: another runner in the same process (tests run them
    /// in parallel) keeps its own. Polls every 10 ms, nothing against points that run seconds.
    private static func waitForOne(of children: [pid_t]) -> (pid: pid_t, status: Int32) {
        while true {
            for pid in children {
                var status: Int32 = 0
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid { return (pid, (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)) }
                if reaped < 0 && errno != EINTR { return (pid, 127) }
            }
            usleep(10_000)
        }
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
        guard rc == 0 else { throw SweepError(message: "cannot start \(executable): \(String(cString: strerror(rc)))") }
        return pid
    }

    private static func writeStandardError(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }
}
