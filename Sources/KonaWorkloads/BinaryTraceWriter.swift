#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes records in the binary trace format (`BinaryTrace`, `docs/trace-format.md`).
///
/// Streams: one block buffer (64 KiB) and one thread-table entry per thread, whatever the
/// trace's length. A block ends when its payload is full or another thread's record comes.
/// Blocks go to a temporary file beside the output until `finish`, which writes the header
/// (it lists the threads, known only then), copies the blocks behind it through a 1 MiB
/// buffer and renames the result into place; so a failed conversion leaves no partial file.
public final class BinaryTraceWriter {
    private let path: String
    private let blocksPath: String
    private let blocksFD: Int32
    private let block: UnsafeMutablePointer<UInt8>       // block header, then payload
    private var used = 0                                 // payload bytes
    private var blockRecords: UInt32 = 0
    private var blockThread: UInt32 = 0
    private var blockSummary = 0                         // index of blockThread's entry
    private var previousAddress: UInt64 = 0
    private var summaries: [BinaryTrace.ThreadSummary] = []
    private var summaryIndex: [UInt32: Int] = [:]
    private var blockCount: UInt64 = 0
    private var blockBytes: UInt64 = 0
    private var done = false

    /// Starts a trace that `finish` will write to `path`.
    /// - Throws: `WorkloadError` if the temporary file cannot be created.
    public init(path: String) throws(WorkloadError) {
        self.path = path
        blocksPath = path + ".blocks-\(getpid())"
        blocksFD = open(blocksPath, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        guard blocksFD >= 0 else {
            throw WorkloadError(file: blocksPath, line: 0, problem: "cannot create: \(String(cString: strerror(errno)))")
        }
        block = .allocate(capacity: BinaryTrace.blockHeaderBytes + BinaryTrace.maxPayload)
    }

    deinit {
        block.deallocate()
        if !done {
            close(blocksFD)
            unlink(blocksPath)
        }
    }

    /// Appends `record` (an `.instructions` record with no instructions is dropped).
    /// - Throws: `WorkloadError` if the temporary file cannot be written.
    public func append(_ record: TraceRecord) throws(WorkloadError) {
        precondition(!done, "append after finish")
        if record.kind == .instructions && record.instructions == 0 { return }
        precondition(record.kind == .instructions || (1...4096).contains(record.size), "record size \(record.size) outside 1...4096")
        if used > 0 && (record.thread != blockThread || used + BinaryTrace.maxRecordBytes > BinaryTrace.maxPayload) {
            try flush()
        }
        if used == 0 {
            blockThread = record.thread
            previousAddress = 0
            if let i = summaryIndex[record.thread] {
                blockSummary = i
            } else {
                blockSummary = summaries.count
                summaryIndex[record.thread] = summaries.count
                summaries.append(BinaryTrace.ThreadSummary(thread: record.thread))
            }
        }
        let payload = block + BinaryTrace.blockHeaderBytes
        var o = used &+ 1
        let sizeCode = record.kind == .instructions ? 0 : BinaryTrace.sizeCode(record.size)
        let instructionCode = record.instructions < UInt64(BinaryTrace.instructionEscape)
            ? UInt8(record.instructions) : BinaryTrace.instructionEscape
        payload[used] = record.kind.rawValue | sizeCode << BinaryTrace.sizeShift | instructionCode << BinaryTrace.instructionShift
        if sizeCode == BinaryTrace.sizeEscape { o = payload.storeVarint(UInt64(record.size), at: o) }
        if instructionCode == BinaryTrace.instructionEscape { o = payload.storeVarint(record.instructions, at: o) }
        if record.kind != .instructions {
            o = payload.storeVarint(zigzag(Int64(bitPattern: record.address &- previousAddress)), at: o)
            previousAddress = record.address
        }
        used = o
        blockRecords &+= 1
        summaries[blockSummary].instructions &+= record.instructions
        switch record.kind {
        case .load: summaries[blockSummary].loads &+= 1
        case .store: summaries[blockSummary].stores &+= 1
        case .modify: summaries[blockSummary].modifies &+= 1
        case .instructions: return
        }
        summaries[blockSummary].records &+= 1
    }

    /// Writes the last block, the header and the blocks to `path`; returns the thread table.
    /// - Throws: `WorkloadError` if a file cannot be written.
    @discardableResult
    public func finish() throws(WorkloadError) -> [BinaryTrace.ThreadSummary] {
        precondition(!done, "finish called twice")
        if used > 0 { try flush() }
        done = true
        defer {
            close(blocksFD)
            unlink(blocksPath)
        }
        let table = summaries.sorted { $0.thread < $1.thread }
        let headerBytes = BinaryTrace.headerBytes(threads: table.count)
        let header = UnsafeMutablePointer<UInt8>.allocate(capacity: headerBytes)
        defer { header.deallocate() }
        for (i, byte) in BinaryTrace.magic.enumerated() { header[i] = byte }
        header.storeLE(BinaryTrace.version, at: 8)
        header.storeLE(UInt32(table.count), at: 12)
        header.storeLE(UInt64(headerBytes) + blockBytes, at: 16)
        header.storeLE(blockCount, at: 24)
        header.storeLE(BinaryTrace.crc(header, 32), at: 32)
        for (i, entry) in table.enumerated() {
            let o = BinaryTrace.fixedHeaderBytes + i * BinaryTrace.threadEntryBytes
            header.storeLE(entry.thread, at: o)
            header.storeLE(UInt32(0), at: o + 4)
            header.storeLE(entry.blocks, at: o + 8)
            header.storeLE(entry.records, at: o + 16)
            header.storeLE(entry.loads, at: o + 24)
            header.storeLE(entry.stores, at: o + 32)
            header.storeLE(entry.modifies, at: o + 40)
            header.storeLE(entry.instructions, at: o + 48)
        }
        let tableBytes = headerBytes - 4 - BinaryTrace.fixedHeaderBytes
        header.storeLE(BinaryTrace.crc(header + BinaryTrace.fixedHeaderBytes, tableBytes), at: headerBytes - 4)

        let temporary = path + ".tmp-\(getpid())"
        let out = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard out >= 0 else {
            throw WorkloadError(file: temporary, line: 0, problem: "cannot create: \(String(cString: strerror(errno)))")
        }
        do throws(WorkloadError) {
            try writeAll(out, header, headerBytes, temporary)
            let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 20)
            defer { copy.deallocate() }
            guard lseek(blocksFD, 0, SEEK_SET) == 0 else { throw failure(blocksPath, "cannot rewind") }
            while true {
                let n = read(blocksFD, copy, 1 << 20)
                if n < 0 { throw failure(blocksPath, "read error") }
                if n == 0 { break }
                try writeAll(out, copy, n, temporary)
            }
            guard close(out) == 0 else { throw failure(temporary, "cannot write") }
        } catch {
            close(out)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure(path, "cannot rename \(temporary) to it")
            unlink(temporary)
            throw error
        }
        return table
    }

    /// Writes the current block (header with both checksums, then payload) to the temporary file.
    private func flush() throws(WorkloadError) {
        let payload = block + BinaryTrace.blockHeaderBytes
        block.storeLE(blockThread, at: 0)
        block.storeLE(UInt32(used), at: 4)
        block.storeLE(blockRecords, at: 8)
        block.storeLE(BinaryTrace.crc(payload, used), at: 12)
        block.storeLE(BinaryTrace.crc(block, 16), at: 16)
        try writeAll(blocksFD, block, BinaryTrace.blockHeaderBytes + used, blocksPath)
        blockBytes += UInt64(BinaryTrace.blockHeaderBytes + used)
        blockCount += 1
        summaries[blockSummary].blocks += 1
        used = 0
        blockRecords = 0
    }

    private func writeAll(_ fd: Int32, _ bytes: UnsafeMutablePointer<UInt8>, _ count: Int, _ name: String) throws(WorkloadError) {
        var done = 0
        while done < count {
            let n = write(fd, bytes + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(name, "write error")
            }
            done += n
        }
    }

    private func failure(_ name: String, _ what: String) -> WorkloadError {
        WorkloadError(file: name, line: 0, problem: "\(what): \(String(cString: strerror(errno)))")
    }
}
