import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KonaConfig
import KonaEngine
import KonaSweeps
import KonaSystem
import KonaWorkloads

/// The `konasim` executable: subcommands over the simulator. Exit codes: 0 ok,
/// 2 bad input (config, trace, flags), 3 simulation error. Every command states its
/// `commandName`: ArgumentParser would otherwise derive each name from the type's with
/// `String(describing:)`, a scan of the protocol conformances costing 1 M instructions per
/// subcommand at every start.
@main
struct KonaSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "konasim",
        abstract: "A cycle-approximate simulator of Kona's coherence-based remote memory.",
        discussion: "Exit codes: 0 success, 2 bad input (config, trace, flags), 3 simulation error.",
        version: KonaVersion.string,
        subcommands: [Run.self, Compare.self, Verify.self, Validate.self, Signals.self, Sweep.self, Merge.self, Plot.self, SweepPoint.self, ShowProtocol.self, Stress.self, Trace.self, Docs.self, Bench.self],
        defaultSubcommand: Run.self)

    /// Parses arguments and runs, mapping every failure to KonaSim's exit codes.
    static func main() {
        returnLargeBuffersToTheSystem()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as ConfigError {
            fail("error: \(error)", code: 2)
        } catch let error as WorkloadError {
            fail("error: \(error)", code: 2)
        } catch let error as SimulationError {
            fail("error: \(error)", code: 3)
        } catch let error as SweepError {
            fail("error: \(error.message)", code: 2)
        } catch let error as InputError {
            fail("error: \(error.message)", code: 2)
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            fail(fullMessage(for: error), code: 2)
        }
    }

    /// Serves every allocation of 256 KiB or more with its own mapping, returned to the
    /// system when freed. The model's maps and per-frame arrays grow by doubling; with
    /// glibc's default (a threshold that rises to the size of the largest buffer freed) each
    /// outgrown buffer would stay in the heap, and a run's resident memory would track the
    /// sum of every size its maps ever had rather than what they hold (docs/benchmarks.md,
    /// "Scale").
    static func returnLargeBuffersToTheSystem() {
        #if canImport(Glibc)
        _ = glibcMallopt(glibcMmapThreshold, 256 * 1024)
        #endif
    }

    static func fail(_ message: String, code: Int32) -> Never {
        writeStandardError(message.hasSuffix("\n") ? message : message + "\n")
        Glibc.exit(code)
    }
}

#if canImport(Glibc)
/// glibc's `mallopt` (declared in malloc.h, which the Glibc module does not import).
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// malloc.h's `M_MMAP_THRESHOLD`.
private let glibcMmapThreshold: Int32 = -3
#endif

/// Writes `text` to standard error, unbuffered.
func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
}
