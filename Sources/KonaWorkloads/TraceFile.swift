#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens a trace file whatever its format: KonaSim's binary format (told by its magic) or
/// Valgrind Lackey text, plain or gzip-compressed (told by gzip's magic).
public enum TraceFile {
    /// A trace file's format.
    public enum Format: Sendable {
        case binary, lackey
    }

    /// The format of the file at `path`, from its first byte: `89` (the binary magic's,
    /// never the first byte of Lackey text or of gzip's `1f 8b`) is the binary format, so a
    /// damaged magic is reported by the binary reader at byte 0. A file that cannot be read
    /// at an offset (a pipe) is taken for Lackey text.
    /// - Throws: `WorkloadError` if the file cannot be opened.
    public static func format(of path: String) throws(WorkloadError) -> Format {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw WorkloadError(file: path, line: 0, problem: "cannot open trace: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var first: UInt8 = 0
        let n = pread(fd, &first, 1, 0)
        return n == 1 && first == BinaryTrace.magic[0] ? .binary : .lackey
    }

    /// The accesses of `threads` (nil: every thread) in the trace at `path`.
    /// - Throws: `WorkloadError` if the file cannot be opened, or its binary header is bad.
    public static func accesses(_ path: String, threads: Set<UInt32>? = nil) throws(WorkloadError) -> any AccessSource {
        switch try format(of: path) {
        case .binary: try BinaryTraceReader(path: path, threads: threads)
        case .lackey: try LackeyTraceReader(path: path, threads: threads)
        }
    }

    /// Every thread's records in the trace at `path`.
    /// - Throws: `WorkloadError` if the file cannot be opened, or its binary header is bad.
    public static func records(_ path: String) throws(WorkloadError) -> any TraceRecordSource {
        switch try format(of: path) {
        case .binary: try BinaryTraceReader(path: path)
        case .lackey: try LackeyTraceReader(path: path)
        }
    }

    /// The threads with records or instructions in the trace at `path`, in increasing
    /// order: a binary trace's thread table, or a pass over a Lackey trace's lines
    /// (`LackeyTraceReader.scanThreads`).
    /// - Throws: `WorkloadError` if the file cannot be read.
    public static func threads(_ path: String) throws(WorkloadError) -> [UInt32] {
        switch try format(of: path) {
        case .binary: try BinaryTraceReader(path: path).threads.map(\.thread)
        case .lackey: try LackeyTraceReader(path: path).scanThreads()
        }
    }
}
