#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import CZlib
import KonaEngine
@testable import KonaWorkloads

func writeTemporary(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-\(UUID().uuidString).lackey").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

func drain(_ source: any AccessSource) throws -> [MemoryAccess] {
    var out: [MemoryAccess] = []
    var a = MemoryAccess.none
    while try source.next(into: &a) { out.append(a) }
    return out
}

@Suite struct LackeyTraceReaderTests {
    @Test func parsesRecordsAndSkipsInstructionsAndBanners() throws {
        let path = try writeTemporary("""
        ==1234== Lackey, an example Valgrind tool
        ==1234== Command: /bin/true
        I  04016c2,3
         L 1ffefffd28,8
         S 0421d78,4
        I  04016c5,5
         M 04222cac,8
        """)
        let reader = try LackeyTraceReader(path: path)
        let accesses = try drain(reader)
        #expect(accesses == [
            MemoryAccess(address: 0x1ffefffd28, size: 8, kind: .load, instructions: 1),
            MemoryAccess(address: 0x421d78, size: 4, kind: .store),                   // the same instruction
            MemoryAccess(address: 0x4222cac, size: 8, kind: .load, instructions: 1),
            MemoryAccess(address: 0x4222cac, size: 8, kind: .store, continuesRecord: true),   // M: one record
        ])
        #expect(reader.instructions == 2 && reader.records == 3)
    }

    @Test func eachAccessCarriesTheInstructionsSinceThePreviousOne() throws {
        let path = try writeTemporary("I  0400000,3\nI  0400003,2\nI  0400005,4\n L 1000,8\nI  0400009,1\n M 2000,4\nI  040000a,1\nI  040000b,1\n")
        let reader = try LackeyTraceReader(path: path)
        let accesses = try drain(reader)
        #expect(accesses.map(\.instructions) == [3, 1, 0], "the M's store belongs to the load's instruction")
        #expect(reader.instructions == 6, "the two after the last access count once the trace has ended")
    }

    @Test(arguments: [
        (" X 0421d78,4\n", 2), (" L 0421d78\n", 2), (" L zz,4\n", 2), ("garbage\n", 2),
        ("\n", 2), (" L 0421d78,4 extra\n", 2), ("I 04016c2,x\n", 2), (" L 0421d78,0\n", 2),
    ])
    func malformedLinesNameTheirLine(bad: String, line: Int) throws {
        let path = try writeTemporary(" L 0421d70,8\n" + bad + " L 0421d78,8\n")
        let reader = try LackeyTraceReader(path: path)
        var a = MemoryAccess.none
        #expect(try reader.next(into: &a))
        #expect { _ = try reader.next(into: &a) } throws: { error in
            guard let e = error as? WorkloadError else { return false }
            return e.line == line && e.file == path && e.description.hasPrefix("\(path):\(line): ")
        }
    }

    @Test func missingFileIsAnError() {
        #expect(throws: WorkloadError.self) { try LackeyTraceReader(path: "/nonexistent/trace.lackey") }
    }

    /// Beyond what the fuzz targets' inputs reach (`-max_len`): a line that does not fit the
    /// reader's 1 MiB buffer is an error at that line, not a bigger buffer.
    @Test func aLineLongerThanTheBufferIsAnError() throws {
        let path = try writeTemporary(" L 1000,8\n I" + String(repeating: " ", count: 1 << 20) + "\n")
        let (accesses, error) = try drainUntilError(path)
        #expect(accesses.count == 1)
        #expect(error?.line == 2 && error?.problem == "line longer than 1048576 bytes", "\(String(describing: error))")
    }

    @Test func readsTracesLargerThanItsBuffer() throws {
        var text = "==1== banner\n"
        for i in 0..<150_000 { text += i % 3 == 0 ? "I  0400000,4\n" : " L \(String(0x1000 + i * 8, radix: 16)),8\n" }
        let reader = try LackeyTraceReader(path: try writeTemporary(text))
        let accesses = try drain(reader)
        #expect(accesses.count == 100_000)
        #expect(reader.instructions == 50_000)
        #expect(accesses.last?.address == UInt64(0x1000 + 149_999 * 8))
    }
}

/// The test fixtures, `Tests/Fixtures`.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

/// Writes `members` as concatenated gzip members (zlib's gzwrite) to a new temporary file
/// whose name ends in `.lackey`.
func writeGzipTemporary(_ members: String...) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-\(UUID().uuidString).lackey").path
    for (i, text) in members.enumerated() {
        let file = try #require(gzopen(path, i == 0 ? "wb9" : "ab9"))
        var bytes = Array(text.utf8)
        #expect(gzwrite(file, &bytes, UInt32(bytes.count)) == Int32(bytes.count))
        #expect(gzclose(file) == Z_OK)
    }
    return path
}

func writeTemporary(bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-\(UUID().uuidString).lackey").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// Reads `path` to the end or the first error; returns the accesses and the error.
func drainUntilError(_ path: String) throws -> ([MemoryAccess], WorkloadError?) {
    let reader = try LackeyTraceReader(path: path)
    var out: [MemoryAccess] = []
    var a = MemoryAccess.none
    do {
        while try reader.next(into: &a) { out.append(a) }
    } catch {
        return (out, error)
    }
    return (out, nil)
}

@Suite struct GzipLackeyTests {
    static let plain = fixtures.appendingPathComponent("lackey/gzip.lackey").path
    static let gzipped = fixtures.appendingPathComponent("lackey/gzip.lackey.gz").path

    @Test func gzippedFixtureGivesTheSameRecordsAsThePlainOne() throws {
        let text = try LackeyTraceReader(path: Self.plain)
        let gz = try LackeyTraceReader(path: Self.gzipped)
        let expected = try drain(text)
        let got = try drain(gz)
        #expect(!text.isCompressed && gz.isCompressed)
        #expect(got.count == expected.count, "\(got.count) accesses from the .gz, \(expected.count) from the text")
        #expect(got == expected)
        #expect(gz.records == text.records && gz.instructions == text.instructions, "records \(gz.records) vs \(text.records), instructions \(gz.instructions) vs \(text.instructions)")
        #expect(gz.bytesRead == text.bytesRead && text.bytesRead == 2_999_987, "text bytes \(gz.bytesRead) vs \(text.bytesRead)")
        #expect(gz.fileBytesRead < gz.bytesRead / 10, "\(gz.fileBytesRead) compressed bytes")
    }

    @Test func gzipIsToldByItsMagicNotItsName() throws {
        // A gzip file named .lackey is decompressed; a text file named .gz is read as text.
        let gz = try LackeyTraceReader(path: writeGzipTemporary(" L 1000,8\n"))
        #expect(try drain(gz) == [MemoryAccess(address: 0x1000, size: 8, kind: .load)] && gz.isCompressed)
        let textPath = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-\(UUID().uuidString).gz").path
        try " S 2000,4\n".write(toFile: textPath, atomically: true, encoding: .utf8)
        let text = try LackeyTraceReader(path: textPath)
        #expect(try drain(text) == [MemoryAccess(address: 0x2000, size: 4, kind: .store)] && !text.isCompressed)
        // Shorter than the magic: one byte of text, not a record.
        #expect(try drainUntilError(try writeTemporary(bytes: [0x1f])).1?.line == 1)
        #expect(try drainUntilError(try writeTemporary(bytes: [])).0.isEmpty)
    }

    @Test(arguments: [
        (" X 0421d78,4\n", 2), ("garbage\n", 2), ("\n", 2), (" L 0421d78,0\n", 2),
    ])
    func malformedLinesNameTheSameLineWhenGzipped(bad: String, line: Int) throws {
        let path = try writeGzipTemporary(" L 0421d70,8\n" + bad + " L 0421d78,8\n")
        let (accesses, error) = try drainUntilError(path)
        #expect(accesses.count == 1)
        #expect(error?.line == line && error?.file == path, "\(String(describing: error))")
    }

    @Test func concatenatedMembersReadAsOneTrace() throws {
        let path = try writeGzipTemporary(" L 1000,8\nI  0400", "000,4\n S 2000,8\n")
        let reader = try LackeyTraceReader(path: path)
        #expect(try drain(reader).map(\.address) == [0x1000, 0x2000])
        #expect(reader.instructions == 1)
    }

    /// Cuts of the fixture: inside the header, in the middle, just before the trailer's
    /// last byte, without the trailer's length (4 bytes) or any of it (8 bytes).
    @Test(arguments: [5, 50_000, -1, -4, -8])
    func truncatedGzipIsAnErrorNamingTheFile(cut: Int) throws {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Self.gzipped)))
        let path = try writeTemporary(bytes: Array(bytes.prefix(cut > 0 ? cut : bytes.count + cut)))
        let (accesses, error) = try drainUntilError(path)
        let e = try #require(error, "a truncated gzip read \(accesses.count) accesses without an error")
        #expect(e.file == path && e.description.hasPrefix(path) && e.problem.contains("truncated"), "\(e)")
        #expect(accesses.count < 52_892 || cut < 0)
    }

    /// Corruption in the middle of the deflate data (caught by zlib or, if it inflates to
    /// bad text, by the parser), in the trailer's CRC-32 and in its length.
    @Test(arguments: [60_000, -8, -4])
    func corruptGzipIsAnError(at offset: Int) throws {
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Self.gzipped)))
        let at = offset > 0 ? offset : bytes.count + offset
        for i in at..<(at + (offset > 0 ? 64 : 1)) { bytes[i] ^= 0x5a }
        let path = try writeTemporary(bytes: bytes)
        let (_, error) = try drainUntilError(path)
        let e = try #require(error, "a corrupt gzip read without an error")
        #expect(e.file == path && e.line > 0, "\(e)")
        if offset < 0 { #expect(e.problem.contains("corrupt gzip data"), "\(e)") }
    }

    @Test func bytesAfterTheLastMemberAreAnError() throws {
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: try writeGzipTemporary(" L 1000,8\n"))))
        bytes += Array(" L 2000,8\n".utf8)
        let (accesses, error) = try drainUntilError(try writeTemporary(bytes: bytes))
        #expect(accesses.count == 1)
        #expect(error?.problem.contains("corrupt gzip data") == true, "\(String(describing: error))")
    }
}

@Suite struct RedisLackeyFixtureTests {
    /// The committed Redis trace parses to the end with the counts `scripts/record-trace`
    /// printed when it was recorded (docs/workloads.md).
    @Test func redisFixtureParsesCompletely() throws {
        let reader = try LackeyTraceReader(path: fixtures.appendingPathComponent("redis-small.lackey.gz").path)
        var a = MemoryAccess.none
        var loads = 0, stores = 0
        while try reader.next(into: &a) {
            if a.kind == .load { loads += 1 } else { stores += 1 }
        }
        #expect(reader.records == 550_000, "\(reader.records) records")
        #expect(reader.instructions == 1_442_427, "\(reader.instructions) instructions")
        #expect(loads == 393_798 && stores == 175_031, "\(loads) loads, \(stores) stores")
        #expect(reader.bytesRead == 28_362_252 && reader.fileBytesRead == 1_613_218,
                "\(reader.bytesRead) bytes of text, \(reader.fileBytesRead) compressed")
    }
}

@Suite struct LineSplitterTests {
    @Test func splitsAccessesThatCrossLines() throws {
        let source = LineSplitter(AccessList([
            MemoryAccess(address: 60, size: 8, kind: .store),          // 60..67 -> 60..63, 64..67
            MemoryAccess(address: 128, size: 64, kind: .load),         // exactly one line
            MemoryAccess(address: 200, size: 130, kind: .load, dependent: true),  // 200..329: 3 lines
        ]))
        let out = try drain(source)
        #expect(out.map(\.address) == [60, 64, 128, 200, 256, 320])
        #expect(out.map(\.size) == [4, 4, 64, 56, 64, 10])
        #expect(out.map(\.kind) == [.store, .store, .load, .load, .load, .load])
        #expect(out.suffix(3).allSatisfy { $0.dependent })
        #expect(out.map(\.continuesRecord) == [false, true, false, false, true, true])
    }

    @Test func onlyTheFirstPieceCarriesTheInstructions() throws {
        let source = LineSplitter(AccessList([MemoryAccess(address: 60, size: 8, kind: .store, instructions: 5)]))
        #expect(try drain(source).map(\.instructions) == [5, 0])
    }
}

@Suite struct DirtyTrackerTests {
    @Test func aModifysStoreStaysInItsRecordsInterval() {
        // Intervals of one record. Core 0 issues a Lackey M to page 0 (its load at t=0, its
        // store at t=2), core 1 a store to the same page at t=1. Records: core 0's M (interval
        // 1), core 1's store (interval 2): the 4 KiB page is written back twice for 16 bytes,
        // 512x. (Splitting the M across intervals would give 256x.)
        let c0 = IssueLog(), c1 = IssueLog()
        c0.append(MemoryAccess(address: 0, size: 8, kind: .load), at: 0)
        c0.append(MemoryAccess(address: 0, size: 8, kind: .store, continuesRecord: true), at: 2)
        c1.append(MemoryAccess(address: 8, size: 8, kind: .store), at: 1)
        let tracker = DirtyTracker(interval: 1)
        tracker.finish([c0, c1])
        #expect(tracker.records == 2 && tracker.intervals == 2)
        #expect(tracker.amplification(1) == 512, "4KiB amplification \(tracker.amplification(1))")
    }

    @Test func logsReadInChunksGiveTheFiguresOfTheirMergeByTimeThenCore() {
        // Cores' logs with equal times within and across cores, read up to rising limits,
        // against one log holding the same accesses sorted by (time, core, program order):
        // intervals of 3 records, so any other order moves the written-back bytes.
        var random = RandomStream(seed: 11, path: "tracker-merge")
        for round in 0..<40 {
            let cores = 1 + Int(random.next(below: 4))
            let logs = (0..<cores).map { _ in IssueLog() }
            var entries: [(time: Tick, core: Int, order: Int, access: MemoryAccess)] = []
            for c in 0..<cores {
                var t: Tick = 0
                for _ in 0..<Int(random.next(below: 40)) {
                    t += random.next(below: 3)
                    let address = random.next(below: 8) << 12 | random.next(below: 64) << 6
                    let access = MemoryAccess(address: address, size: 8, kind: random.next(below: 2) == 0 ? .load : .store)
                    logs[c].append(access, at: t)
                    entries.append((t, c, entries.count, access))
                }
            }
            let merged = IssueLog()
            for (i, e) in entries.sorted(by: { ($0.time, $0.core, $0.order) < ($1.time, $1.core, $1.order) }).enumerated() {
                merged.append(e.access, at: Tick(i))
            }
            let tracker = DirtyTracker(interval: 3), reference = DirtyTracker(interval: 3)
            var limit: Tick = 0
            while limit < 100 {
                limit += random.next(below: 12)
                tracker.observe(logs, before: limit)
            }
            tracker.finish(logs)
            reference.finish([merged])
            #expect(tracker.records == UInt64(entries.count), "round \(round)")
            #expect(tracker.writtenBack == reference.writtenBack && tracker.modifiedBytes == reference.modifiedBytes,
                    "round \(round): \(tracker.writtenBack) against \(reference.writtenBack)")
        }
    }
}
