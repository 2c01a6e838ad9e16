#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a Valgrind Lackey `--trace-mem=yes` trace.
///
/// Records: `I  addr,size` counts an instruction (the next access carries the count since
/// the previous one: `MemoryAccess.instructions`); ` L addr,size`, ` S addr,size` and
/// ` M addr,size` are a load, a store, and a load followed by a store to the same bytes;
/// Valgrind's `==PID==` banner lines are skipped. Anything else (a blank line included)
/// is a `WorkloadError` naming the file and line. Reads through one fixed 1 MiB buffer, so
/// memory stays flat whatever the trace length; no allocation per record.
///
/// A gzip-compressed trace (one whose first bytes are gzip's magic `1f 8b`, whatever its
/// name) is decompressed as it is read, into the same buffer (`GzipInput`: about 300 KiB
/// more, still flat), so lines and errors are numbered as in the plain text. A truncated
/// or corrupt gzip file is a `WorkloadError` naming the file and the line being read,
/// never a short trace.
public final class LackeyTraceReader: AccessSource {
    private static let bufferSize = 1 << 20
    private let path: String
    private let fd: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    private var gzip: GzipInput?      // nil for plain text
    private var start = 0          // first unparsed byte
    private var end = 0            // one past the last valid byte
    private var atEOF = false
    private var lineNumber = 0
    private var pendingStore = false
    private var pendingAccess = MemoryAccess.none
    public private(set) var instructions: UInt64 = 0
    /// `I` records since the last access, handed to the next one (`MemoryAccess.instructions`).
    private var instructionsSinceAccess: UInt64 = 0
    /// Bytes of trace text read so far (decompressed, for a gzip file).
    public private(set) var bytesRead: UInt64 = 0
    /// Whether the file is gzip-compressed.
    public var isCompressed: Bool { gzip != nil }
    /// Bytes read from the file so far: `bytesRead`, or the compressed bytes of a gzip file.
    public var fileBytesRead: UInt64 { gzip?.compressedBytes ?? bytesRead }
    /// Data records read so far, counting a Lackey `M` as one.
    public private(set) var records: UInt64 = 0

    /// Opens the trace at `path` and reads its first two bytes to tell gzip from text.
    /// - Throws: `WorkloadError` if the file cannot be opened or read.
    public init(path: String) throws(WorkloadError) {
        self.path = path
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
        if pendingStore {
            pendingStore = false
            access = pendingAccess
            access.kind = .store
            access.continuesRecord = true
            access.instructions = 0                 // the load's instruction
            return true
        }
        while true {
            // Find the end of the next line, refilling the buffer as needed.
            var newline = start
            while true {
                while newline < end && buffer[newline] != 10 { newline += 1 }
                if newline < end { break }
                if atEOF {
                    if start >= end { return false }
                    break                               // last line without '\n'
                }
                let offset = newline - start
                if !(try refill()) { return false }
                newline = start + offset
            }
            lineNumber += 1
            let lineStart = start
            let lineEnd = newline                       // exclusive
            start = min(newline + 1, end)
            if try parse(lineStart, lineEnd, into: &access) { return true }
        }
    }

    /// Parses one line; returns true if it produced an access.
    @inline(__always)
    private func parse(_ s: Int, _ e: Int, into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
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
            instructions &+= 1
            instructionsSinceAccess &+= 1
            return false
        }
        if c0 == UInt8(ascii: "=") {
            guard e - s >= 2, buffer[s + 1] == UInt8(ascii: "=") else { throw malformed(s, e) }
            return false
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
        access.address = address
        access.size = UInt32(size)
        access.dependent = false
        access.continuesRecord = false
        guard instructionsSinceAccess <= UInt64(UInt32.max) else {
            throw fail("\(instructionsSinceAccess) instructions since the previous access (at most \(UInt32.max))")
        }
        access.instructions = UInt32(truncatingIfNeeded: instructionsSinceAccess)
        instructionsSinceAccess = 0
        records &+= 1
        switch kind {
        case UInt8(ascii: "L"): access.kind = .load
        case UInt8(ascii: "S"): access.kind = .store
        case UInt8(ascii: "M"):
            access.kind = .load
            pendingAccess = access
            pendingStore = true
        default:
            records &-= 1
            throw malformed(s, e)
        }
        return true
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

    private func malformed(_ s: Int, _ e: Int) -> WorkloadError {
        let shown = min(e - s, 60)
        let text = String(decoding: UnsafeBufferPointer(start: buffer + s, count: shown), as: UTF8.self)
        return fail("not a Lackey record: '\(text)\(e - s > shown ? "..." : "")' (expected 'I  addr,size', ' L|S|M addr,size' or '==pid== ...')")
    }
}
