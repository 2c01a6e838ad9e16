#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a Valgrind Lackey `--trace-mem=yes` trace, one thread's records or several.
///
/// Records: `I  addr,size` is an instruction; ` L addr,size`, ` S addr,size` and
/// ` M addr,size` are a load, a store, and a load followed by a store to the same bytes;
/// Valgrind's `==PID==` banner lines are skipped, and so are its `--PID--` lines, except
/// that `--PID--   SCHED[t]:  acquired lock (...)` (from `--trace-sched=yes`) makes the
/// records after it thread t's. Records before the first such line are thread 1's (the
/// main thread). `SCHEDSETJMP(...)` lines, which `--trace-sched=yes` prints without the
/// prefix when a system call is interrupted, are skipped too. Anything else (a blank line
/// included), a size outside 1...4096 and an access running past the top of the 64-bit
/// address space are `WorkloadError`s naming the file and line. Reads through one fixed 1 MiB
/// buffer, so memory stays flat whatever the trace length; no allocation per record.
///
/// As an `AccessSource` it yields the accesses of the threads it was opened for (all by
/// default) in the file's order, each carrying the instructions its thread executed since
/// that thread's previous access (`MemoryAccess.instructions`; per thread, whatever other
/// threads ran between: `ThreadInstructions`), and counts their instructions, each
/// thread's trailing ones once the stream ends; as a `TraceRecordSource`, every thread's
/// records.
///
/// A gzip-compressed trace (one whose first bytes are gzip's magic `1f 8b`, whatever its
/// name) is decompressed as it is read, into the same buffer (`GzipInput`: about 300 KiB
/// more, still flat), so lines and errors are numbered as in the plain text. A truncated
/// or corrupt gzip file is a `WorkloadError` naming the file and the line being read,
/// never a short trace.
public final class LackeyTraceReader: AccessSource, TraceRecordSource {
    private static let bufferSize = 1 << 20
    private let path: String
    private let fd: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    private var gzip: GzipInput?      // nil for plain text
    private var start = 0          // first unparsed byte
    private var end = 0            // one past the last valid byte
    private var atEOF = false
    private var lineNumber = 0
    private var pendingStore = PendingStoreHalf()
    private let selection: Set<UInt32>?     // the threads whose accesses `next` yields; nil: all
    private var thread: UInt32 = 1          // whose records follow (the last `acquired lock`)
    private var threadInstructions: UInt64 = 0   // `I` lines of `thread` since its last record
    private var checkedThread: UInt32 = 0        // the thread `checkedSelected` is about
    private var checkedSelected = false
    /// Per selected thread, its instructions not yet carried by one of its accesses.
    private var held = ThreadInstructions()
    /// The instructions of the accesses yielded so far (`MemoryAccess.instructions`), and,
    /// once the stream has ended, every selected thread's instructions after its last access.
    public private(set) var instructions: UInt64 = 0
    /// Bytes of trace text read so far (decompressed, for a gzip file).
    public private(set) var bytesRead: UInt64 = 0
    /// Whether the file is gzip-compressed.
    public var isCompressed: Bool { gzip != nil }
    /// Bytes read from the file so far: `bytesRead`, or the compressed bytes of a gzip file.
    public var fileBytesRead: UInt64 { gzip?.compressedBytes ?? bytesRead }
    /// Data records yielded as accesses so far, counting a Lackey `M` as one.
    public private(set) var records: UInt64 = 0

    /// Opens the trace at `path` and reads its first two bytes to tell gzip from text.
    /// `threads`: the threads whose accesses `next` yields (nil: every thread).
    /// - Throws: `WorkloadError` if the file cannot be opened or read.
    public init(path: String, threads: Set<UInt32>? = nil) throws(WorkloadError) {
        self.path = path
        selection = threads
        fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw WorkloadError(file: path, line: 0, problem: "cannot open trace: \(String(cString: strerror(errno)))")
        }
        buffer = .allocate(capacity: Self.bufferSize)
        // The magic is read, not peeked, so that pipes work too; text bytes stay in the buffer.
        while end < 2 {
            let n = read(fd, buffer + end, 2 - end)
            if n < 0 { throw WorkloadError(file: path, line: 0, problem: "cannot read trace: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            end += n
        }
        if end == 2 && buffer[0] == GzipInput.magic.0 && buffer[1] == GzipInput.magic.1 {
            do {
                gzip = try GzipInput(fd: fd, prefix: UnsafeBufferPointer(start: buffer, count: 2))
            } catch {
                throw WorkloadError(file: path, line: 0, problem: error.problem)
            }
            end = 0
        } else {
            bytesRead = UInt64(end)
        }
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    private func fail(_ problem: String) -> WorkloadError {
        WorkloadError(file: path, line: lineNumber, problem: problem)
    }

    /// Refills the buffer, keeping the unparsed tail. Returns false at end of file.
    private func refill() throws(WorkloadError) -> Bool {
        if atEOF { return false }
        if start > 0 {
            let tail = end - start
            if tail > 0 { memmove(buffer, buffer + start, tail) }
            start = 0
            end = tail
        }
        if end == Self.bufferSize {
            lineNumber += 1
            throw fail("line longer than \(Self.bufferSize) bytes")
        }
        let n: Int
        if let gzip {
            do {
                n = try gzip.read(into: buffer + end, capacity: Self.bufferSize - end)
            } catch {
                lineNumber += 1                         // the line being read
                throw fail(error.problem)
            }
        } else {
            n = read(fd, buffer + end, Self.bufferSize - end)
            if n < 0 { throw fail("read error: \(String(cString: strerror(errno)))") }
        }
        if n == 0 { atEOF = true; return end > start }
        end += n
        bytesRead += UInt64(n)
        return true
    }

    public func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        if pendingStore.take(into: &access) { return true }
        var record = TraceRecord.none
        while true {
            guard try nextRecord(into: &record) else {
                instructions &+= held.drain()       // each thread's trailing instructions
                return false
            }
            if record.thread != checkedThread {
                checkedThread = record.thread
                checkedSelected = selection?.contains(record.thread) ?? true
            }
            guard checkedSelected else { continue }
            if record.kind == .instructions {
                held.hold(record.instructions, thread: record.thread)
                continue
            }
            let carried = held.take(record.instructions, thread: record.thread)
            guard carried <= UInt64(UInt32.max) else {
                throw fail("\(carried) instructions of thread \(record.thread) since its previous access (at most \(UInt32.max))")
            }
            instructions &+= carried
            access = pendingStore.access(for: record, instructions: UInt32(truncatingIfNeeded: carried))
            records &+= 1
            return true
        }
    }

    public func nextRecord(into record: inout TraceRecord) throws(WorkloadError) -> Bool {
        while true {
            guard let (lineStart, lineEnd) = try nextLine() else {
                guard threadInstructions > 0 else { return false }
                record = TraceRecord(kind: .instructions, thread: thread, instructions: threadInstructions)
                threadInstructions = 0
                return true
            }
            if try parse(lineStart, lineEnd, into: &record) { return true }
        }
    }

    /// The bounds of the next line (without its newline), refilling the buffer as needed;
    /// nil at the end of the file.
    @inline(__always)
    private func nextLine() throws(WorkloadError) -> (Int, Int)? {
        var newline = start
        while true {
            while newline < end && buffer[newline] != 10 { newline += 1 }
            if newline < end { break }
            if atEOF {
                if start >= end { return nil }
                break                               // last line without '\n'
            }
            let offset = newline - start
            if !(try refill()) { return nil }
            newline = start + offset
        }
        lineNumber += 1
        let lineStart = start
        start = min(newline + 1, end)
        return (lineStart, newline)
    }

    /// The threads that have records or instructions in the trace (which `acquired lock`
    /// lines name, and thread 1 if anything comes before the first), in increasing order.
    /// Reads the whole file without checking its records (the readers that replay it do);
    /// flat memory. Call on a freshly opened reader.
    /// - Throws: `WorkloadError` if the file cannot be read (a corrupt gzip file).
    public func scanThreads() throws(WorkloadError) -> [UInt32] {
        var found: Set<UInt32> = []
        var current: UInt32 = 1
        var currentFound = false
        while let (s, e) = try nextLine() {
            guard s < e else { continue }
            let c = buffer[s]
            if c == UInt8(ascii: "-") {
                if let t = scheduledThread(s, e), t != current {
                    current = t
                    currentFound = found.contains(t)
                }
            } else if !currentFound && (c == UInt8(ascii: "I") || c == 32) {
                found.insert(current)
                currentFound = true
            }
        }
        return found.sorted()
    }

    /// Parses one line; returns true if it produced a record.
    @inline(__always)
    private func parse(_ s: Int, _ e: Int, into record: inout TraceRecord) throws(WorkloadError) -> Bool {
        var i = s
        guard i < e else { throw fail("empty line (expected a Lackey record)") }
        let c0 = buffer[i]
        if c0 == UInt8(ascii: "I") {
            i += 1
            guard i < e, buffer[i] == 32 else { throw malformed(s, e) }
            while i < e && buffer[i] == 32 { i += 1 }
            _ = try number(&i, e, s, hex: true)
            guard i < e, buffer[i] == UInt8(ascii: ",") else { throw malformed(s, e) }
            i += 1
            _ = try number(&i, e, s, hex: false)
            guard i == e else { throw malformed(s, e) }
            threadInstructions &+= 1
            return false
        }
        if c0 == UInt8(ascii: "=") {
            guard e - s >= 2, buffer[s + 1] == UInt8(ascii: "=") else { throw malformed(s, e) }
            return false
        }
        if c0 == UInt8(ascii: "S") {
            // `SCHEDSETJMP(line N) tid T, jumped=J`: --trace-sched=yes prints it, with no
            // `--PID--` prefix, when a thread's system call is interrupted (by a signal).
            guard e - s >= 12, memcmp(buffer + s, "SCHEDSETJMP(", 12) == 0 else { throw malformed(s, e) }
            return false
        }
        if c0 == UInt8(ascii: "-") {
            guard e - s >= 2, buffer[s + 1] == UInt8(ascii: "-") else { throw malformed(s, e) }
            guard let t = scheduledThread(s, e), t != thread else { return false }
            let previous = thread
            thread = t
            guard threadInstructions > 0 else { return false }
            record = TraceRecord(kind: .instructions, thread: previous, instructions: threadInstructions)
            threadInstructions = 0
            return true
        }
        guard c0 == 32, e - s >= 4 else { throw malformed(s, e) }
        let kind = buffer[s + 1]
        guard buffer[s + 2] == 32 else { throw malformed(s, e) }
        i = s + 3
        while i < e && buffer[i] == 32 { i += 1 }
        let address = try number(&i, e, s, hex: true)
        guard i < e, buffer[i] == UInt8(ascii: ",") else { throw malformed(s, e) }
        i += 1
        let size = try number(&i, e, s, hex: false)
        guard i == e else { throw malformed(s, e) }
        guard size >= 1 && size <= 4096 else { throw fail("access size \(size) outside 1...4096 bytes") }
        guard address <= UInt64.max - (size - 1) else { throw pastTheTop(address, size) }
        switch kind {
        case UInt8(ascii: "L"): record.kind = .load
        case UInt8(ascii: "S"): record.kind = .store
        case UInt8(ascii: "M"): record.kind = .modify
        default: throw malformed(s, e)
        }
        record.thread = thread
        record.instructions = threadInstructions
        record.address = address
        record.size = UInt32(size)
        threadInstructions = 0
        return true
    }

    /// The thread of a `--PID--   SCHED[t]:  acquired lock (...)` line, or nil for any
    /// other `--` line (Valgrind's other messages, `releasing lock`, `entering VG_(scheduler)`).
    private func scheduledThread(_ s: Int, _ e: Int) -> UInt32? {
        func matches(_ text: StaticString, at i: Int) -> Bool {
            let n = text.utf8CodeUnitCount
            guard e - i >= n else { return false }
            return memcmp(buffer + i, text.utf8Start, n) == 0
        }
        var i = s + 2
        while i < e && buffer[i] >= 48 && buffer[i] <= 57 { i += 1 }
        guard matches("--", at: i) else { return nil }
        i += 2
        while i < e && buffer[i] == 32 { i += 1 }
        guard matches("SCHED[", at: i) else { return nil }
        i += 6
        var t: UInt64 = 0
        let first = i
        while i < e && buffer[i] >= 48 && buffer[i] <= 57 && t <= UInt64(UInt32.max) {
            t = t * 10 + UInt64(buffer[i] - 48)
            i += 1
        }
        guard i > first, t <= UInt64(UInt32.max), matches("]:", at: i) else { return nil }
        i += 2
        while i < e && buffer[i] == 32 { i += 1 }
        return matches("acquired lock", at: i) ? UInt32(t) : nil
    }

    @inline(__always)
    private func number(_ i: inout Int, _ e: Int, _ s: Int, hex: Bool) throws(WorkloadError) -> UInt64 {
        var value: UInt64 = 0
        let first = i
        while i < e {
            let c = buffer[i]
            let digit: UInt64
            if c >= 48 && c <= 57 { digit = UInt64(c - 48) }
            else if hex && c >= 97 && c <= 102 { digit = UInt64(c - 87) }
            else if hex && c >= 65 && c <= 70 { digit = UInt64(c - 55) }
            else { break }
            if value > (UInt64.max >> 4) { throw fail("number too large") }
            value = hex ? (value << 4) | digit : value * 10 + digit
            i += 1
        }
        if i == first { throw malformed(s, e) }
        return value
    }

    private func pastTheTop(_ address: UInt64, _ size: UInt64) -> WorkloadError {
        fail("an access of \(size) bytes at \(String(address, radix: 16)) runs past the end of the 64-bit address space")
    }

    private func malformed(_ s: Int, _ e: Int) -> WorkloadError {
        let shown = min(e - s, 60)
        let text = String(decoding: UnsafeBufferPointer(start: buffer + s, count: shown), as: UTF8.self)
        return fail("not a Lackey record: '\(text)\(e - s > shown ? "..." : "")' (expected 'I  addr,size', ' L|S|M addr,size', '==pid== ...' or '--pid-- ...')")
    }
}
