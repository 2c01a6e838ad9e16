#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes trace records as Valgrind Lackey text, for `konasim trace dump`.
///
/// Lines are Lackey's: ` L|S|M %08lx,%lu` for data records and one `I  00000000,0` per
/// instruction (the binary format keeps how many instructions came between accesses, not
/// their addresses); a thread switch is a `--0--   SCHED[t]:  acquired lock (konasim trace
/// dump)` line, so `LackeyTraceReader` gives back the same records per thread (records
/// before the first switch are thread 1's, as in a Lackey file). Goes through one fixed
/// 1 MiB buffer; no allocation per record.
public final class LackeyTextWriter {
    private static let capacity = 1 << 20
    private let fd: Int32
    private let name: String
    private let buffer: UnsafeMutablePointer<UInt8>
    private var used = 0
    private var thread: UInt32 = 1

    /// Writes to the open file `fd` (not closed here); `name` names it in errors.
    public init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
        buffer = .allocate(capacity: Self.capacity)
    }

    deinit { buffer.deallocate() }

    /// Appends the lines of `record`.
    /// - Throws: `WorkloadError` if the output cannot be written.
    public func write(_ record: TraceRecord) throws(WorkloadError) {
        if record.thread != thread {
            thread = record.thread
            try text("--0--   SCHED[")
            try decimal(UInt64(record.thread))
            try text("]:  acquired lock (konasim trace dump)\n")
        }
        var n = record.instructions
        while n > 0 {
            try text("I  00000000,0\n")
            n -= 1
        }
        switch record.kind {
        case .instructions: return
        case .load: try text(" L ")
        case .store: try text(" S ")
        case .modify: try text(" M ")
        }
        try room(32)
        var digits = 8
        while digits < 16 && record.address >> (4 * UInt64(digits)) != 0 { digits += 1 }
        for d in stride(from: digits - 1, through: 0, by: -1) {
            let nibble = UInt8((record.address >> (4 * UInt64(d))) & 0xf)
            buffer[used] = nibble < 10 ? 48 + nibble : 87 + nibble
            used += 1
        }
        buffer[used] = UInt8(ascii: ",")
        used += 1
        try decimal(UInt64(record.size))
        try text("\n")
    }

    /// Writes out what is buffered.
    /// - Throws: `WorkloadError` if the output cannot be written.
    public func flush() throws(WorkloadError) {
        var done = 0
        while done < used {
            let n = writeBytes(fd, buffer + done, used - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw WorkloadError(file: name, line: 0, problem: "write error: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        used = 0
    }

    private func room(_ bytes: Int) throws(WorkloadError) {
        if used + bytes > Self.capacity { try flush() }
    }

    private func text(_ s: StaticString) throws(WorkloadError) {
        try room(s.utf8CodeUnitCount)
        (buffer + used).update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        used += s.utf8CodeUnitCount
    }

    private func decimal(_ value: UInt64) throws(WorkloadError) {
        try room(20)
        var digits = 1
        var v = value
        while v >= 10 { v /= 10; digits += 1 }
        v = value
        for i in stride(from: digits - 1, through: 0, by: -1) {
            buffer[used + i] = 48 + UInt8(v % 10)
            v /= 10
        }
        used += digits
    }
}

/// `write(2)`, named apart from `LackeyTextWriter.write`.
private func writeBytes(_ fd: Int32, _ bytes: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    write(fd, bytes, count)
}
