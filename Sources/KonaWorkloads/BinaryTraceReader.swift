#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a trace in the binary format (`BinaryTrace`, `docs/trace-format.md`).
///
/// Opening reads and checks the header (magic, version, CRC-32) and compares the file's
/// length with the one the header records, so a truncated file is an error before any
/// record is read. Blocks are then read one at a time into one fixed buffer (64 KiB:
/// memory is flat in the trace's length); a block of a thread not asked for is skipped
/// after checking its header's CRC, one asked for is checked whole before any of its
/// records is used. Every inconsistency (a checksum, a length, a record running past its
/// block, fewer blocks than the header lists) is a `WorkloadError` naming the byte offset,
/// never a short trace. No allocation per record.
///
/// As an `AccessSource` it yields the accesses of the threads it was opened for (all by
/// default) in the file's order, each carrying the instructions its thread executed since
/// that thread's previous access (`MemoryAccess.instructions`, from the records' counts
/// exactly as `LackeyTraceReader` gives them: `ThreadInstructions`), and counts their
/// instructions, each thread's trailing ones once the stream ends; as a
/// `TraceRecordSource`, the records of those threads.
public final class BinaryTraceReader: AccessSource, TraceRecordSource {
    /// The header's thread table, in increasing thread order.
    public let threads: [BinaryTrace.ThreadSummary]
    /// The file's length in bytes.
    public let fileLength: UInt64
    private let blockCount: UInt64
    private let path: String
    private let fd: Int32
    private let buffer: UnsafeMutablePointer<UInt8>      // the current block: header, payload
    private let selection: Set<UInt32>?
    private let listed: Set<UInt32>
    private var position = 0                             // next byte of the block in `buffer`
    private var blockEnd = 0
    private var blockRemaining: UInt32 = 0               // records of the block not yet read
    private var blockThread: UInt32 = 0
    private var blockOffset: UInt64 = 0                  // file offset of the block's header
    private var nextOffset: UInt64
    private var blocksSeen: UInt64 = 0
    private var previousAddress: UInt64 = 0
    private var selectedRecords: UInt64 = 0              // data records the header lists for the selected threads
    private var recordsDecoded: UInt64 = 0
    private var pendingStore = PendingStoreHalf()
    /// Per selected thread, its instructions not yet carried by one of its accesses.
    private var held = ThreadInstructions()
    /// The instructions of the accesses yielded so far (`MemoryAccess.instructions`), and,
    /// once the stream has ended, every selected thread's instructions after its last access.
    public private(set) var instructions: UInt64 = 0
    /// Data records yielded as accesses so far, counting a modify as one.
    public private(set) var records: UInt64 = 0

    /// Opens the binary trace at `path`; `threads`: the threads whose records and accesses
    /// are read (nil: every thread).
    /// - Throws: `WorkloadError` naming the byte offset if the file is not a binary trace,
    ///   has another version, a corrupt header or another length than its header records.
    public init(path: String, threads selection: Set<UInt32>? = nil) throws(WorkloadError) {
        self.path = path
        self.selection = selection
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw WorkloadError(file: path, line: 0, problem: "cannot open trace: \(String(cString: strerror(errno)))")
        }
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: BinaryTrace.blockHeaderBytes + BinaryTrace.maxPayload)
        func fail(_ offset: UInt64?, _ problem: String) -> WorkloadError {
            close(fd)
            buffer.deallocate()
            return offset.map { WorkloadError(file: path, byteOffset: $0, problem: problem) }
                ?? WorkloadError(file: path, line: 0, problem: problem)
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw fail(nil, "cannot stat: \(String(cString: strerror(errno)))") }
        let size = UInt64(status.st_size)
        let fixed = BinaryTrace.fixedHeaderBytes
        let got = pread(fd, buffer, fixed, 0)
        guard got >= 8, (0..<8).allSatisfy({ buffer[$0] == BinaryTrace.magic[$0] }) else {
            throw fail(0, "not a KonaSim binary trace (no magic 89 4B 54 52 0D 0A 1A 0A)")
        }
        guard got == fixed else {
            throw fail(UInt64(max(got, 0)), "truncated: the file ends inside its \(fixed)-byte header")
        }
        let header = UnsafePointer(buffer)
        let version = header.loadLE(UInt32.self, at: 8)
        guard version == BinaryTrace.version else {
            throw fail(8, "version \(version); this KonaSim reads version \(BinaryTrace.version)")
        }
        guard BinaryTrace.crc(buffer, 32) == header.loadLE(UInt32.self, at: 32) else {
            throw fail(0, "header checksum mismatch (CRC-32 of bytes 0..<32): the header is corrupt")
        }
        let threadCount = Int(header.loadLE(UInt32.self, at: 12))
        let recordedLength = header.loadLE(UInt64.self, at: 16)
        blockCount = header.loadLE(UInt64.self, at: 24)
        guard threadCount <= BinaryTrace.maxThreads else {
            throw fail(12, "\(threadCount) threads in the header (at most \(BinaryTrace.maxThreads))")
        }
        guard size >= recordedLength else {
            throw fail(size, "truncated: the file ends at byte \(size), its header records \(recordedLength) bytes")
        }
        guard size == recordedLength else {
            throw fail(recordedLength, "\(size - recordedLength) bytes after the end its header records (\(recordedLength) bytes)")
        }
        let headerBytes = BinaryTrace.headerBytes(threads: threadCount)
        guard UInt64(headerBytes) <= size else {
            throw fail(12, "\(threadCount) threads in the header, whose table would end past the end of the file")
        }
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: headerBytes)
        defer { table.deallocate() }
        guard pread(fd, table, headerBytes, 0) == headerBytes else { throw fail(0, "cannot read the header") }
        let fixedBytes = BinaryTrace.fixedHeaderBytes
        let stored = UnsafePointer(table).loadLE(UInt32.self, at: headerBytes - 4)
        guard BinaryTrace.crc(table + fixedBytes, headerBytes - 4 - fixedBytes) == stored else {
            throw fail(UInt64(fixedBytes), "thread table checksum mismatch (CRC-32 of bytes \(fixedBytes)..<\(headerBytes - 4)): the header is corrupt")
        }
        // A data record takes at least 2 bytes (a tag and an address), so the blocks hold at
        // most this many; a table listing more is corrupt (and its sums could overflow).
        let recordCapacity = (size - UInt64(headerBytes)) / 2
        var listedRecords: UInt64 = 0
        var entries: [BinaryTrace.ThreadSummary] = []
        for i in 0..<threadCount {
            let o = BinaryTrace.fixedHeaderBytes + i * BinaryTrace.threadEntryBytes
            let t = UnsafePointer(table)
            var entry = BinaryTrace.ThreadSummary(thread: t.loadLE(UInt32.self, at: o))
            entry.blocks = t.loadLE(UInt64.self, at: o + 8)
            entry.records = t.loadLE(UInt64.self, at: o + 16)
            entry.loads = t.loadLE(UInt64.self, at: o + 24)
            entry.stores = t.loadLE(UInt64.self, at: o + 32)
            entry.modifies = t.loadLE(UInt64.self, at: o + 40)
            entry.instructions = t.loadLE(UInt64.self, at: o + 48)
            guard entry.records <= recordCapacity - listedRecords else {
                throw fail(UInt64(o + 16), "the thread table lists more data records than the file's \(size - UInt64(headerBytes)) bytes of blocks can hold (2 bytes or more each)")
            }
            listedRecords += entry.records
            entries.append(entry)
        }
        threads = entries
        listed = Set(entries.map(\.thread))
        selectedRecords = entries.reduce(0) { selection?.contains($1.thread) ?? true ? $0 + $1.records : $0 }
        fileLength = size
        nextOffset = UInt64(headerBytes)
        self.fd = fd
        self.buffer = buffer
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    private func fail(_ offset: UInt64, _ problem: String) -> WorkloadError {
        WorkloadError(file: path, byteOffset: offset, problem: problem)
    }

    /// Reads the next block of a selected thread into `buffer`; false at the end of the file.
    private func loadBlock() throws(WorkloadError) -> Bool {
        let headerBytes = BinaryTrace.blockHeaderBytes
        while true {
            if nextOffset == fileLength {
                guard blocksSeen == blockCount else {
                    throw fail(nextOffset, "the file ends after \(blocksSeen) blocks; its header lists \(blockCount)")
                }
                guard recordsDecoded == selectedRecords else {
                    throw fail(nextOffset, "\(recordsDecoded) data records read; the header lists \(selectedRecords)")
                }
                return false
            }
            let offset = nextOffset
            guard fileLength - offset >= UInt64(headerBytes) else {
                throw fail(offset, "a block header starts \(fileLength - offset) bytes before the end of the file")
            }
            guard pread(fd, buffer, headerBytes, off_t(offset)) == headerBytes else {
                throw fail(offset, "cannot read the block header: \(String(cString: strerror(errno)))")
            }
            let header = UnsafePointer(buffer)
            guard BinaryTrace.crc(buffer, 16) == header.loadLE(UInt32.self, at: 16) else {
                throw fail(offset, "block header checksum mismatch (CRC-32 of bytes \(offset)..<\(offset + 16)): the block header is corrupt")
            }
            let thread = header.loadLE(UInt32.self, at: 0)
            let length = Int(header.loadLE(UInt32.self, at: 4))
            let count = header.loadLE(UInt32.self, at: 8)
            guard length >= 1 && length <= BinaryTrace.maxPayload && count >= 1 && listed.contains(thread) else {
                throw fail(offset, "block header out of range (thread \(thread), \(length) bytes, \(count) records)")
            }
            guard fileLength - offset - UInt64(headerBytes) >= UInt64(length) else {
                throw fail(offset, "the block at byte \(offset) needs \(length) payload bytes; the file ends first")
            }
            blocksSeen += 1
            nextOffset = offset + UInt64(headerBytes + length)
            guard selection?.contains(thread) ?? true else { continue }
            guard pread(fd, buffer + headerBytes, length, off_t(offset) + off_t(headerBytes)) == length else {
                throw fail(offset + UInt64(headerBytes), "cannot read the block: \(String(cString: strerror(errno)))")
            }
            let end = offset + UInt64(headerBytes + length)
            guard BinaryTrace.crc(buffer + headerBytes, length) == header.loadLE(UInt32.self, at: 12) else {
                throw fail(offset + UInt64(headerBytes), "block checksum mismatch (CRC-32 of bytes \(offset + UInt64(headerBytes))..<\(end), thread \(thread)): the block is corrupt")
            }
            blockOffset = offset
            blockThread = thread
            blockRemaining = count
            position = headerBytes
            blockEnd = headerBytes + length
            previousAddress = 0
            return true
        }
    }

    private func corrupt(at p: Int, _ what: String) -> WorkloadError {
        fail(blockOffset + UInt64(p), "\(what) (in the block at byte \(blockOffset))")
    }

    /// Decodes the record at `p` in the current block into `record`, advancing `p` and the
    /// block's `previous` address (kept in the caller's locals on the hot path).
    @inline(__always)
    private func decode(at p: inout Int, previous: inout UInt64, into record: inout TraceRecord) throws(WorkloadError) {
        let end = blockEnd
        let bytes = buffer
        @inline(__always)
        func varint() throws(WorkloadError) -> UInt64 {
            guard p < end else { throw corrupt(at: p, "a record runs past the end of its block") }
            var byte = bytes[p]
            p &+= 1
            if byte < 0x80 { return UInt64(byte) }
            var value = UInt64(byte & 0x7f)
            var shift: UInt64 = 7
            while true {
                guard p < end else { throw corrupt(at: p, "a record runs past the end of its block") }
                byte = bytes[p]
                p &+= 1
                value |= UInt64(byte & 0x7f) << shift
                if byte < 0x80 { return value }
                shift &+= 7
                guard shift < 64 else { throw corrupt(at: p, "a varint longer than 10 bytes") }
            }
        }
        guard p < end else { throw corrupt(at: p, "a record runs past the end of its block") }
        let start = p
        let tag = bytes[p]
        p &+= 1
        let kind = TraceRecord.Kind(rawValue: tag & BinaryTrace.kindMask)!
        let sizeCode = (tag >> BinaryTrace.sizeShift) & 7
        let instructionCode = tag >> BinaryTrace.instructionShift
        record.kind = kind
        record.thread = blockThread
        if kind == .instructions {
            guard sizeCode == 0 else { throw corrupt(at: p - 1, "an instructions record with a size code") }
            record.instructions = instructionCode == BinaryTrace.instructionEscape ? try varint() : UInt64(instructionCode)
            guard record.instructions > 0 else { throw corrupt(at: p - 1, "an instructions record without instructions") }
            record.address = 0
            record.size = 0
        } else {
            let size = sizeCode == BinaryTrace.sizeEscape ? try varint() : 1 << UInt64(sizeCode)
            guard size >= 1 && size <= 4096 else { throw corrupt(at: p, "access size \(size) outside 1...4096 bytes") }
            record.size = UInt32(truncatingIfNeeded: size)
            record.instructions = instructionCode == BinaryTrace.instructionEscape ? try varint() : UInt64(instructionCode)
            previous &+= UInt64(bitPattern: unzigzag(try varint()))
            guard previous <= UInt64.max - (size - 1) else {
                throw corrupt(at: start, "an access of \(size) bytes at \(String(previous, radix: 16)) runs past the end of the 64-bit address space")
            }
            record.address = previous
        }
    }

    /// After a block's last record (`remaining` 0, read up to `p`): the record count and the
    /// payload length must agree.
    @inline(__always)
    private func checkBlockEnd(_ remaining: UInt32, _ p: Int) throws(WorkloadError) {
        if remaining == 0 && p != blockEnd {
            throw corrupt(at: p, "\(blockEnd - p) bytes after the block's last record")
        }
    }

    public func nextRecord(into record: inout TraceRecord) throws(WorkloadError) -> Bool {
        if blockRemaining == 0 {
            guard try loadBlock() else { return false }
        }
        var p = position, previous = previousAddress
        try decode(at: &p, previous: &previous, into: &record)
        position = p
        previousAddress = previous
        if record.kind != .instructions { recordsDecoded &+= 1 }
        blockRemaining &-= 1
        try checkBlockEnd(blockRemaining, p)
        return true
    }

    /// Decodes whole runs of a block's records straight into `out`, with the position and
    /// the previous address in locals (`next(into:)` would pay a call and the stored
    /// properties per access).
    public func fill(_ out: UnsafeMutableBufferPointer<MemoryAccess>) throws(WorkloadError) -> Int {
        let capacity = out.count
        var n = 0
        if capacity > 0 && pendingStore.take(into: &out[0]) { n = 1 }
        var record = TraceRecord.none
        while n < capacity {
            if blockRemaining == 0 {
                guard try loadBlock() else {
                    instructions &+= held.drain()       // each thread's trailing instructions
                    break
                }
            }
            var p = position, previous = previousAddress, remaining = blockRemaining
            var decoded: UInt64 = 0, executed: UInt64 = 0
            defer {
                position = p
                previousAddress = previous
                blockRemaining = remaining
                recordsDecoded &+= decoded
                records &+= decoded
                instructions &+= executed
            }
            while remaining > 0 && n < capacity {
                let at = p
                try decode(at: &p, previous: &previous, into: &record)
                remaining &-= 1
                if record.kind == .instructions {
                    held.hold(record.instructions, thread: record.thread)
                    continue
                }
                let carried = held.take(record.instructions, thread: record.thread)
                guard carried <= UInt64(UInt32.max) else { throw tooManyInstructions(carried, at: at) }
                executed &+= carried
                let access = MemoryAccess(record, instructions: UInt32(truncatingIfNeeded: carried))
                out[n] = access
                if record.kind == .modify {
                    if n &+ 1 < capacity {
                        n &+= 1
                        out[n] = access.storeHalf
                    } else {
                        pendingStore.hold(access.storeHalf)
                    }
                }
                n &+= 1
                decoded &+= 1
            }
            try checkBlockEnd(remaining, p)
        }
        return n
    }

    /// An access whose thread ran more instructions since its previous one than
    /// `MemoryAccess.instructions` holds (the record at `p` of the current block).
    private func tooManyInstructions(_ count: UInt64, at p: Int) -> WorkloadError {
        corrupt(at: p, "\(count) instructions of thread \(blockThread) since its previous access (at most \(UInt32.max))")
    }

    public func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        if pendingStore.take(into: &access) { return true }
        var record = TraceRecord.none
        while true {
            let at = blockRemaining == 0 ? nil : position
            guard try nextRecord(into: &record) else {
                instructions &+= held.drain()           // each thread's trailing instructions
                return false
            }
            if record.kind == .instructions {
                held.hold(record.instructions, thread: record.thread)
                continue
            }
            let carried = held.take(record.instructions, thread: record.thread)
            guard carried <= UInt64(UInt32.max) else { throw tooManyInstructions(carried, at: at ?? BinaryTrace.blockHeaderBytes) }
            instructions &+= carried
            access = pendingStore.access(for: record, instructions: UInt32(truncatingIfNeeded: carried))
            records &+= 1
            return true
        }
    }
}
