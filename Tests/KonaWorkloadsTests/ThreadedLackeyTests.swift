#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import KonaWorkloads

/// Every record of a trace with `--trace-sched=yes` lines.
func records(_ source: any TraceRecordSource) throws -> [TraceRecord] {
    var out: [TraceRecord] = []
    var r = TraceRecord.none
    while try source.nextRecord(into: &r) { out.append(r) }
    return out
}

/// A Lackey trace's `SCHED[t]:  acquired lock` lines decide whose records follow.
@Suite struct ThreadedLackeyTests {
    static let twoThreads = """
    ==7== Lackey, an example Valgrind tool
    --7--   SCHED[1]:  acquired lock (thread_wrapper(starting new thread))
    --7--   SCHED[1]: entering VG_(scheduler)
    I  0400000,3
     L 1000,8
    I  0400003,2
    I  0400005,2
    --7--   SCHED[1]: releasing lock (VG_(client_syscall)[async]) -> VgTs_WaitSys
    --7--   SCHED[2]:  acquired lock (thread_wrapper(starting new thread))
     S 2000,4
     M 2008,8
    I  0400010,4
    --7--   SCHED[2]: releasing lock (VG_(client_syscall)[async]) -> VgTs_WaitSys
    --7--   SCHED[1]:  acquired lock (VG_(client_syscall)[async])
    I  0400007,1
     S 1008,8
    ==7== Counted 1 call to main()

    """

    @Test func recordsBelongToTheThreadThatAcquiredTheLock() throws {
        let got = try records(LackeyTraceReader(path: writeTemporary(Self.twoThreads)))
        let expected = [
            TraceRecord(kind: .load, thread: 1, instructions: 1, address: 0x1000, size: 8),
            TraceRecord(kind: .instructions, thread: 1, instructions: 2),     // before the switch
            TraceRecord(kind: .store, thread: 2, instructions: 0, address: 0x2000, size: 4),
            TraceRecord(kind: .modify, thread: 2, instructions: 0, address: 0x2008, size: 8),
            TraceRecord(kind: .instructions, thread: 2, instructions: 1),
            TraceRecord(kind: .store, thread: 1, instructions: 1, address: 0x1008, size: 8),
        ]
        #expect(got == expected)
    }

    @Test func anAccessSourceYieldsOnlyItsThreadsAndTheirInstructions() throws {
        let path = try writeTemporary(Self.twoThreads)
        let two = try LackeyTraceReader(path: path, threads: [2])
        #expect(try drain(two) == [MemoryAccess(address: 0x2000, size: 4, kind: .store),
                                   MemoryAccess(address: 0x2008, size: 8, kind: .load),
                                   MemoryAccess(address: 0x2008, size: 8, kind: .store, continuesRecord: true)])
        #expect(two.instructions == 1 && two.records == 2, "\(two.instructions) instructions, \(two.records) records")
        let one = try LackeyTraceReader(path: path, threads: [1])
        #expect(try drain(one).map(\.address) == [0x1000, 0x1008])
        #expect(one.instructions == 4, "\(one.instructions) instructions")
        let all = try LackeyTraceReader(path: path)
        #expect(try drain(all).count == 5 && all.instructions == 5)
    }

    @Test func aTraceWithoutSchedLinesIsThreadOnes() throws {
        let path = try writeTemporary("==1== banner\nI  0400000,3\n L 10,8\n")
        #expect(try records(LackeyTraceReader(path: path)).map(\.thread) == [1])
        #expect(try LackeyTraceReader(path: path).scanThreads() == [1])
    }

    @Test func scanningFindsTheThreadsWithRecords() throws {
        #expect(try LackeyTraceReader(path: writeTemporary(Self.twoThreads)).scanThreads() == [1, 2])
        // A thread that acquires the lock but runs nothing has no records: not listed.
        let idle = try writeTemporary("--3--   SCHED[4]:  acquired lock (x)\n L 0,1\n--3--   SCHED[5]:  acquired lock (x)\n--3--   SCHED[4]:  acquired lock (x)\n")
        #expect(try LackeyTraceReader(path: idle).scanThreads() == [4])
        let fixture = fixtures.appendingPathComponent("lackey/pthreads.lackey").path
        #expect(try TraceFile.threads(fixture) == [1, 2, 3])
    }

    @Test func otherValgrindLinesAreSkippedAndJunkIsAnError() throws {
        let skipped = try writeTemporary("--9-- some valgrind message\n--9--   SCHED[2]: releasing lock (x) -> VgTs_Yielding\n L 0,1\n")
        #expect(try records(LackeyTraceReader(path: skipped)).map(\.thread) == [1])
        // Printed by --trace-sched=yes without a prefix when a system call is interrupted
        // (a recording of redis-server under redis-benchmark had one).
        let setjmp = try writeTemporary("--9--   SCHED[2]:  acquired lock (x)\nSCHEDSETJMP(line 1211) tid 2, jumped=1476724588\n L 0,1\n")
        #expect(try records(LackeyTraceReader(path: setjmp)).map(\.thread) == [2])
        let sched = try writeTemporary(" L 0,1\nSCHEDULE\n")
        #expect(throws: WorkloadError.self) { try records(LackeyTraceReader(path: sched)) }
        let junk = try writeTemporary(" L 0,1\n-x not valgrind\n")
        let error = #expect(throws: WorkloadError.self) { try records(LackeyTraceReader(path: junk)) }
        #expect(error?.line == 2)
    }
}

/// Each access carries the instructions of its own thread since that thread's previous
/// access, whichever threads ran between; a thread's instructions after its last access
/// count once the stream ends. The binary reader gives the same from the converted records.
@Suite struct ThreadInstructionsTests {
    /// Thread 1: I L | I I (switch) ... I S | ... I I (end). Thread 2: I I I S I (switch) ... I I M I.
    static let interleaved = """
    --9--   SCHED[1]:  acquired lock (x)
    I  0400000,3
     L 1000,8
    I  0400003,2
    I  0400005,2
    --9--   SCHED[2]:  acquired lock (x)
    I  0500000,3
    I  0500003,3
    I  0500006,3
     S 2000,4
    I  0500009,3
    --9--   SCHED[1]:  acquired lock (x)
    I  0400007,1
     S 1008,8
    --9--   SCHED[2]:  acquired lock (x)
    I  050000c,3
    I  050000f,3
     M 2008,8
    I  0500012,3
    --9--   SCHED[1]:  acquired lock (x)
    I  0400008,2
    I  040000a,2

    """

    /// The accesses (address and instructions carried) and the source's final instruction count.
    static let expected: [(threads: Set<UInt32>?, accesses: [(UInt64, UInt32)], instructions: UInt64)] = [
        (nil, [(0x1000, 1), (0x2000, 3), (0x1008, 3), (0x2008, 3), (0x2008, 0)], 13),
        ([1], [(0x1000, 1), (0x1008, 3)], 6),                 // 1, then 2 held across the switch + 1; 2 trailing
        ([2], [(0x2000, 3), (0x2008, 3), (0x2008, 0)], 7),    // 3, then 1 held + 2, the M's store 0; 1 trailing
    ]

    /// The accesses of `source` read in batches of `capacity` (as a core reads them).
    static func filled(_ source: any AccessSource, capacity: Int) throws -> [MemoryAccess] {
        let batch = UnsafeMutableBufferPointer<MemoryAccess>.allocate(capacity: capacity)
        defer { batch.deallocate() }
        var got: [MemoryAccess] = []
        while case let n = try source.fill(batch), n > 0 { got += batch[..<n] }
        return got
    }

    /// The second thread as 2, and as 70 (above the ids `ThreadInstructions` keeps in its array).
    @Test(arguments: [UInt32(2), 70])
    func eachThreadsAccessesCarryThatThreadsInstructions(_ second: UInt32) throws {
        let path = try writeTemporary(Self.interleaved.replacing("SCHED[2]", with: "SCHED[\(second)]"))
        let binary = try writeBinary(try records(LackeyTraceReader(path: path)))
        for (selected, accesses, instructions) in Self.expected {
            let threads = selected.map { Set($0.map { $0 == 2 ? second : $0 }) }
            let lackey = try LackeyTraceReader(path: path, threads: threads)
            let got = try drain(lackey)
            #expect(got.map(\.address) == accesses.map(\.0) && got.map(\.instructions) == accesses.map(\.1),
                    "threads \(String(describing: threads)): \(got.map { ($0.address, $0.instructions) })")
            #expect(lackey.instructions == instructions)
            // The binary trace, one access at a time and in batches of every size (an M split across two batches included).
            let bin = try BinaryTraceReader(path: binary, threads: threads)
            #expect(try drain(bin) == got && bin.instructions == instructions)
            for capacity in [1, 2, 3, 4, 256] {
                let batched = try BinaryTraceReader(path: binary, threads: threads)
                #expect(try Self.filled(batched, capacity: capacity) == got && batched.instructions == instructions, "capacity \(capacity)")
                let text = try LackeyTraceReader(path: path, threads: threads)
                #expect(try Self.filled(text, capacity: capacity) == got && text.instructions == instructions, "capacity \(capacity)")
            }
        }
    }

    @Test func theFixturesGiveTheSameAccessesAsTheirBinaries() throws {
        for name in ["lackey/pthreads.lackey", "lackey/gzip.lackey"] {   // Redis: scripts/test compares its stats
            let path = fixtures.appendingPathComponent(name).path
            let binary = try writeBinary(try records(LackeyTraceReader(path: path)))
            let threads = try TraceFile.threads(path)
            #expect(try TraceFile.threads(binary) == threads)
            for selection in [nil] + threads.map({ Set([$0]) }) as [Set<UInt32>?] {
                let text = try LackeyTraceReader(path: path, threads: selection)
                let bin = try BinaryTraceReader(path: binary, threads: selection)
                let expected = try Self.filled(text, capacity: 256)
                #expect(try Self.filled(bin, capacity: 256) == expected, "\(name) \(String(describing: selection))")
                #expect(bin.instructions == text.instructions && bin.records == text.records)
                // Every instruction is carried by an access or trails at the end.
                let carried = expected.reduce(UInt64(0)) { $0 + UInt64($1.instructions) }
                #expect(carried <= text.instructions)
            }
            // The instructions of all threads add up to the trace's.
            let all = try records(LackeyTraceReader(path: path)).reduce(UInt64(0)) { $0 + $1.instructions }
            let perThread = try threads.reduce(UInt64(0)) { total, t in
                let reader = try LackeyTraceReader(path: path, threads: [t])
                _ = try drain(reader)
                return total + reader.instructions
            }
            #expect(perThread == all, "\(name)")
        }
    }
}
