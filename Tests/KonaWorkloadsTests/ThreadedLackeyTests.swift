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
