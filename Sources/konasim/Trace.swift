import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KonaOutputs
import KonaWorkloads

extension KonaSimCommand {
    /// `konasim trace`: convert, dump and summarise recorded traces.
    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trace",
            abstract: "Convert Lackey traces to KonaSim's binary format, dump them back, summarise them.",
            discussion: "Every command reads Lackey text, gzip-compressed Lackey text or the binary format (told by the file's first bytes). The format: docs/trace-format.md.",
            subcommands: [Convert.self, Dump.self, Stats.self])
    }
}

extension KonaSimCommand.Trace {
    /// `konasim trace convert IN OUT`.
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert",
            abstract: "Convert a trace (Lackey text, plain or gzip) to the binary format.")

        @Argument(help: "Input trace.") var input: String
        @Argument(help: "Output file (written whole or not at all).") var output: String

        func run() throws {
            let start = ContinuousClock.now
            let source = try TraceFile.records(input)
            let writer = try BinaryTraceWriter(path: output)
            var record = TraceRecord.none
            while try source.nextRecord(into: &record) { try writer.append(record) }
            let table = try writer.finish()
            let seconds = (ContinuousClock.now - start).seconds
            let records = table.reduce(0) { $0 + $1.records }
            let inBytes = fileSize(input), outBytes = fileSize(output)
            print("\(output): \(Summary.grouped(records)) records of \(table.count) thread\(table.count == 1 ? "" : "s"), "
                  + "\(Summary.grouped(outBytes)) bytes (input \(Summary.grouped(inBytes)) bytes, \(Summary.fixed(Double(inBytes) / Double(max(outBytes, 1)), 2))x); \(Summary.fixed(seconds, 2)) s")
        }
    }

    /// `konasim trace dump FILE`.
    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dump",
            abstract: "Print a trace as Lackey text (instructions as 'I  00000000,0', thread switches as SCHED lines).")

        @Argument(help: "Trace file.") var file: String
        @Option(name: .shortAndLong, help: ArgumentHelp("Write to FILE instead of standard output.", valueName: "file"))
        var output: String?

        func run() throws {
            let source = try TraceFile.records(file)
            let fd = output.map { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } ?? STDOUT_FILENO
            guard fd >= 0 else { throw InputError(message: "cannot create \(output!): \(String(cString: strerror(errno)))") }
            defer { if output != nil { close(fd) } }
            let writer = LackeyTextWriter(fd: fd, name: output ?? "standard output")
            var record = TraceRecord.none
            while try source.nextRecord(into: &record) { try writer.write(record) }
            try writer.flush()
        }
    }

    /// `konasim trace stats FILE`.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Records per thread, loads and stores, instructions, and the footprint in 64 B lines and 4 KiB pages.")

        @Argument(help: "Trace file.") var file: String

        func run() throws {
            let format = try TraceFile.format(of: file)
            let summary = try TraceSummary(reading: try TraceFile.records(file))
            print("trace      \(file) (\(format == .binary ? "KonaSim binary" : "Lackey text")), \(Summary.grouped(fileSize(file))) bytes")
            func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
            func lpad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
            print(pad("thread", 8) + lpad("records", 14) + lpad("loads", 14) + lpad("stores", 14) + lpad("(M)", 12) + lpad("instructions", 16))
            for t in summary.threads + (summary.threads.count > 1 ? [summary.total] : []) {
                print(pad(t.thread == 0 ? "all" : String(t.thread), 8) + lpad(Summary.grouped(t.records), 14)
                      + lpad(Summary.grouped(t.loads), 14) + lpad(Summary.grouped(t.stores), 14)
                      + lpad(Summary.grouped(t.modifies), 12) + lpad(Summary.grouped(t.instructions), 16))
            }
            let lineMiB = Double(summary.lines) * 64 / 1_048_576, pageMiB = Double(summary.pages) * 4096 / 1_048_576
            print("footprint  \(Summary.grouped(UInt64(summary.lines))) lines of 64 B (\(Summary.fixed(lineMiB, 2)) MiB), "
                  + "\(Summary.grouped(UInt64(summary.pages))) pages of 4 KiB (\(Summary.fixed(pageMiB, 2)) MiB)")
            print("loads count L and M records, stores S and M (an M is both)")
        }
    }
}

/// The size of the file at `path` in bytes (0 if it cannot be read).
func fileSize(_ path: String) -> UInt64 {
    var status = stat()
    return stat(path, &status) == 0 ? UInt64(status.st_size) : 0
}
