#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
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
            MemoryAccess(address: 0x1ffefffd28, size: 8, kind: .load),
            MemoryAccess(address: 0x421d78, size: 4, kind: .store),
            MemoryAccess(address: 0x4222cac, size: 8, kind: .load),
            MemoryAccess(address: 0x4222cac, size: 8, kind: .store, continuesRecord: true),   // M: one record
        ])
        #expect(reader.instructions == 2 && reader.records == 3)
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
}
