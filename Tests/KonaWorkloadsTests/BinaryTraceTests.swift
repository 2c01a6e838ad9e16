#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import KonaWorkloads

/// Converts `records` to a binary trace at a new temporary path.
func writeBinary(_ records: [TraceRecord]) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-\(UUID().uuidString).ktr").path
    let writer = try BinaryTraceWriter(path: path)
    for r in records { try writer.append(r) }
    try writer.finish()
    return path
}

/// Reads the binary trace `bytes` whole (written to a temporary file); returns the error.
func readError(_ bytes: [UInt8]) -> WorkloadError? {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-\(UUID().uuidString).ktr").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        _ = try records(BinaryTraceReader(path: path))
        return nil
    } catch let error as WorkloadError {
        return error
    } catch {
        Issue.record("unexpected \(error)")
        return nil
    }
}

@Suite struct BinaryTraceTests {
    static let gzip = fixtures.appendingPathComponent("lackey/gzip.lackey").path
    static let pthreads = fixtures.appendingPathComponent("lackey/pthreads.lackey").path

    @Test(arguments: [gzip, pthreads])
    func convertThenDumpGivesBackTheSameRecords(_ lackey: String) throws {
        let original = try records(LackeyTraceReader(path: lackey))
        let binary = try writeBinary(original)
        let reader = try BinaryTraceReader(path: binary)
        #expect(try records(reader) == original)
        // Dump as Lackey text, and read that back.
        let dumped = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-\(UUID().uuidString).lackey").path
        let fd = open(dumped, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let writer = LackeyTextWriter(fd: fd, name: dumped)
        for r in try records(BinaryTraceReader(path: binary)) { try writer.write(r) }
        try writer.flush()
        close(fd)
        #expect(try records(LackeyTraceReader(path: dumped)) == original)
        // The thread table agrees with the records.
        for entry in reader.threads {
            let mine = original.filter { $0.thread == entry.thread && $0.kind != .instructions }
            #expect(entry.records == UInt64(mine.count) && entry.loads == UInt64(mine.filter { $0.kind == .load }.count))
            #expect(entry.instructions == original.filter { $0.thread == entry.thread }.reduce(0) { $0 + $1.instructions })
        }
    }

    @Test func theSameAccessesAsTheLackeyText() throws {
        let binary = try writeBinary(try records(LackeyTraceReader(path: Self.gzip)))
        let text = try LackeyTraceReader(path: Self.gzip), bin = try BinaryTraceReader(path: binary)
        let expected = try drain(text)
        #expect(try drain(bin) == expected)
        // Batches (as the cores read) give the same accesses, an M split across two batches included.
        let batched = try BinaryTraceReader(path: binary)
        let batch = UnsafeMutableBufferPointer<MemoryAccess>.allocate(capacity: 7)
        defer { batch.deallocate() }
        var got: [MemoryAccess] = []
        while case let n = try batched.fill(batch), n > 0 { got += batch[..<n] }
        #expect(got == expected)
        #expect(batched.instructions == text.instructions && batched.records == text.records)
        #expect(bin.instructions == text.instructions && bin.records == text.records)
        #expect(try TraceFile.format(of: binary) == .binary && TraceFile.format(of: Self.gzip) == .lackey)
        // A damaged magic is still read as a binary trace, and named at byte 0.
        var damaged = try [UInt8](Data(contentsOf: URL(fileURLWithPath: binary)))
        damaged[3] ^= 1
        let damagedPath = binary + ".damaged"
        try Data(damaged).write(to: URL(fileURLWithPath: damagedPath))
        #expect(try TraceFile.format(of: damagedPath) == .binary)
        let error = #expect(throws: WorkloadError.self) { try TraceFile.accesses(damagedPath) }
        #expect(error?.byteOffset == 0 && error?.problem.contains("magic") == true, "\(String(describing: error))")
        // Much smaller than the text.
        let size = try FileManager.default.attributesOfItem(atPath: binary)[.size] as! Int
        #expect(size * 10 < 2_999_987, "\(size) bytes")
    }

    @Test func edgeCasesOfTheEncodingRoundTrip() throws {
        var input: [TraceRecord] = []
        let sizes: [UInt32] = [1, 2, 3, 4, 8, 16, 32, 64, 65, 128, 4095, 4096]
        let counts: [UInt64] = [0, 1, 6, 7, 8, 127, 128, 1 << 40]
        let addresses: [UInt64] = [0, UInt64.max - 4095, 0x1ffeffff08, 8, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000]
        for (i, a) in (addresses + addresses.reversed()).enumerated() {
            let kind = TraceRecord.Kind(rawValue: UInt8(i % 3))!
            input.append(TraceRecord(kind: kind, thread: UInt32(i % 4 == 3 ? 7 : 1), instructions: counts[i % counts.count],
                                     address: a, size: sizes[i % sizes.count]))
        }
        input.append(TraceRecord(kind: .instructions, thread: 7, instructions: 7))
        // Enough records for several blocks of one thread.
        for i in 0..<40_000 { input.append(TraceRecord(kind: .store, thread: 2, instructions: UInt64(i % 9), address: UInt64(i) &* 0x9E37_79B9, size: 8)) }
        let path = try writeBinary(input)
        let reader = try BinaryTraceReader(path: path)
        #expect(try records(reader) == input)
        #expect(reader.threads.map(\.thread) == [1, 2, 7])
        #expect(reader.threads[1].blocks > 1, "\(reader.threads[1].blocks) blocks")
        // Selecting a thread skips the others' blocks.
        let two = try BinaryTraceReader(path: path, threads: [2])
        #expect(try records(two) == input.filter { $0.thread == 2 })
    }

    @Test func aTruncatedFileIsAnErrorNamingTheOffset() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: writeBinary(records(LackeyTraceReader(path: Self.pthreads))))))
        let header = BinaryTrace.headerBytes(threads: 3)
        // Inside the magic, the fixed header, the thread table, a block header, a payload, and at a block's end.
        var cuts = [0, 5, 20, header - 1, header, header + 7, header + 30, bytes.count - 1]
        var offset = header
        while offset < bytes.count {               // every block boundary
            let payload = bytes[(offset + 4)..<(offset + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            offset += BinaryTrace.blockHeaderBytes + payload
            if offset < bytes.count { cuts.append(offset) }
        }
        #expect(cuts.count > 10, "\(cuts.count) cuts")
        for cut in cuts {
            let error = readError(Array(bytes[..<cut]))
            #expect(error != nil, "a file cut at \(cut) of \(bytes.count) bytes was read whole")
            if cut >= 8 {
                #expect(error?.byteOffset == UInt64(cut), "cut at \(cut): \(error.map(String.init(describing:)) ?? "no error")")
                #expect(error?.problem.contains("truncated") == true, "cut at \(cut): \(error.map(String.init(describing:)) ?? "")")
            }
        }
        // Extra bytes after the end are an error too.
        #expect(readError(bytes + [0])?.byteOffset == UInt64(bytes.count))
    }

    @Test func aFlippedByteIsAnErrorNamingWhereItIs() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: writeBinary(records(LackeyTraceReader(path: Self.pthreads))))))
        for position in Array(0..<200) + Array(stride(from: 200, to: bytes.count, by: 37)) + [bytes.count - 1] {
            var flipped = bytes
            flipped[position] ^= 0x10
            guard let error = readError(flipped) else {
                Issue.record("flipping byte \(position) of \(bytes.count) went unnoticed")
                continue
            }
            // The error names the byte offset of the header or block holding the flipped byte,
            // at most a block (header and payload) before it.
            let offset = Int(error.byteOffset ?? UInt64.max)
            #expect(offset <= position && position - offset <= BinaryTrace.blockHeaderBytes + BinaryTrace.maxPayload,
                    "byte \(position) flipped: \(error)")
        }
    }

    @Test func summaryCountsThreadsAndFootprint() throws {
        let path = try writeBinary([
            TraceRecord(kind: .load, thread: 1, instructions: 3, address: 0, size: 8),
            TraceRecord(kind: .modify, thread: 1, instructions: 0, address: 60, size: 8),       // lines 0 and 1
            TraceRecord(kind: .store, thread: 2, instructions: 1, address: 4096 * 3, size: 4),
            TraceRecord(kind: .instructions, thread: 2, instructions: 5),
        ])
        let summary = try TraceSummary(reading: BinaryTraceReader(path: path))
        #expect(summary.threads.map(\.thread) == [1, 2])
        #expect(summary.threads[0].records == 2 && summary.threads[0].loads == 2 && summary.threads[0].stores == 1)
        #expect(summary.threads[1].instructions == 6 && summary.total.instructions == 9)
        #expect(summary.lines == 3 && summary.pages == 2, "\(summary.lines) lines, \(summary.pages) pages")
    }
}
