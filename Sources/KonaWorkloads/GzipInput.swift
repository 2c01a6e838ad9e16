#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// Decompresses a gzip file as it is read, for `LackeyTraceReader`.
///
/// Reads the file through one fixed 256 KiB buffer and inflates into the caller's buffer:
/// memory is constant (the buffer, zlib's 32 KiB window and its state, about 300 KiB in
/// all) whatever the file's length; nothing is decompressed ahead of what is asked for.
/// Concatenated gzip members are read one after another, as `gzip -d` does. The end of the
/// file is only a clean end after a member's trailer (whose CRC-32 and length zlib checks):
/// a file that stops inside a member, or holds anything but another member after one, is
/// an error, never a short read.
final class GzipInput {
    /// Why the compressed data cannot be read.
    struct Failure: Error {
        var problem: String
    }

    static let magic: (UInt8, UInt8) = (0x1f, 0x8b)
    private static let inputSize = 1 << 18
    private let fd: Int32
    private let input: UnsafeMutablePointer<UInt8>
    private let stream: UnsafeMutablePointer<z_stream>
    private var memberEnded = false    // the last member's trailer has been read
    private var finished = false
    private var pending: Failure?      // found after some output; thrown on the next call
    /// Compressed bytes read from the file so far.
    private(set) var compressedBytes: UInt64

    /// Starts decompressing `fd`, whose first bytes, `prefix`, the caller has already read.
    init(fd: Int32, prefix: UnsafeBufferPointer<UInt8>) throws(Failure) {
        self.fd = fd
        input = .allocate(capacity: Self.inputSize)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        _ = UnsafeMutableBufferPointer(start: input, count: prefix.count).initialize(from: prefix)
        compressedBytes = UInt64(prefix.count)
        stream.pointee.next_in = input
        stream.pointee.avail_in = UInt32(prefix.count)
        // 15 + 16: a 32 KiB window, gzip wrapper only.
        let status = inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            input.deallocate()
            stream.deallocate()
            throw Failure(problem: "cannot start gzip decompression (zlib status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    /// Decompresses up to `capacity` bytes into `out`. Returns the count, 0 only at the
    /// clean end of the data. Fills `out` unless the data ends first.
    /// - Throws: `Failure` for a read error, corrupt or truncated data, or data after the
    ///   last member that is not gzip. Bytes decompressed before the problem are returned
    ///   first; the next call throws.
    func read(into out: UnsafeMutablePointer<UInt8>, capacity: Int) throws(Failure) -> Int {
        if let failure = pending { throw failure }
        if finished || capacity == 0 { return 0 }
        stream.pointee.next_out = out
        stream.pointee.avail_out = UInt32(min(capacity, Int(UInt32.max)))
        let requested = Int(stream.pointee.avail_out)
        var produced: Int { requested - Int(stream.pointee.avail_out) }
        while stream.pointee.avail_out > 0 {
            if stream.pointee.avail_in == 0 {
                let n = readFile(fd, input, Self.inputSize)
                if n < 0 { return try stop(Failure(problem: "read error: \(String(cString: strerror(errno)))"), produced) }
                if n == 0 {
                    if memberEnded { finished = true; return produced }
                    return try stop(Failure(problem: "gzip data truncated: the file ends after \(compressedBytes) bytes, inside a compressed stream"), produced)
                }
                compressedBytes += UInt64(n)
                stream.pointee.next_in = input
                stream.pointee.avail_in = UInt32(n)
            }
            if memberEnded {                // more bytes after a member: another member
                inflateReset(stream)
                memberEnded = false
            }
            let status = inflate(stream, Z_NO_FLUSH)
            switch status {
            case Z_OK, Z_BUF_ERROR:         // progress, or none until more input arrives
                continue
            case Z_STREAM_END:
                memberEnded = true
            default:
                let offset = compressedBytes - UInt64(stream.pointee.avail_in)
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                return try stop(Failure(problem: "corrupt gzip data (\(reason)) at compressed byte \(offset)"), produced)
            }
        }
        return produced
    }

    /// Returns `produced` bytes and keeps `failure` for the next call, or throws it now if
    /// nothing was produced.
    private func stop(_ failure: Failure, _ produced: Int) throws(Failure) -> Int {
        if produced == 0 { throw failure }
        pending = failure
        return produced
    }
}

/// `read(2)`, named apart from `GzipInput.read`.
private func readFile(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    read(fd, buffer, count)
}
