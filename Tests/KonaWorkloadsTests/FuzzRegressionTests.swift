import Testing
@testable import KonaWorkloads

/// Reads the trace at `path` as `konasim run` and `konasim trace stats` do (and as the fuzz
/// targets in `Fuzz/` do): the thread scan, every access through a `LineSplitter`, the first
/// thread's alone access by access, then every record through `TraceSummary` and its
/// total. Returns the first error, or nil if the whole trace reads.
func readLikeKonasim(_ path: String) -> WorkloadError? {
    do throws(WorkloadError) {
        let threads = try TraceFile.threads(path)
        let batch = UnsafeMutableBufferPointer<MemoryAccess>.allocate(capacity: 256)
        defer { batch.deallocate() }
        let all = LineSplitter(try TraceFile.accesses(path))
        while try all.fill(batch) > 0 {}
        if let first = threads.first {
            let one = try TraceFile.accesses(path, threads: [first])
            var access = MemoryAccess.none
            while try one.next(into: &access) {}
        }
        _ = try TraceSummary(reading: TraceFile.records(path)).total
        return nil
    } catch {
        return error
    }
}

/// Inputs on which a fuzz target (`scripts/fuzz`, docs/fuzzing.md) once crashed, hung or
/// allocated without bound, each kept in `Tests/Fixtures/fuzz/TARGET/` (which the fuzzer
/// also starts from); each must now be the error a user can act on.
@Suite struct TraceFuzzRegressionTests {
    /// A found input: its file under `Tests/Fixtures/fuzz/`, the error's byte offset (nil
    /// for Lackey text) or line, and words of its problem.
    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        var offset: UInt64?
        var line: Int
        var problem: String
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        // A thread table (checksums right) whose data-record counts add up past 2^64:
        // the reader's sum overflowed and trapped.
        Case(file: "binary/thread-table-records-overflow", offset: 52, line: 0,
             problem: "the thread table lists more data records than the file's"),
        // An access whose last byte lies past 2^64 - 1: `trace stats` counted the lines it
        // covers up to an end that had wrapped round to 0 (2^58 lines: a hang, then memory).
        Case(file: "binary/access-past-the-top", offset: 116, line: 0,
             problem: "runs past the end of the 64-bit address space"),
        // The same access in Lackey text (`S ffffffffffffffc1,64`), which reached the same loop.
        Case(file: "lackey/access-past-the-top", offset: nil, line: 3,
             problem: "an access of 64 bytes at ffffffffffffffc1 runs past the end of the 64-bit address space"),
    ]

    @Test(arguments: cases)
    func isAnErrorNamingWhere(_ found: Case) throws {
        let path = fixtures.appendingPathComponent("fuzz/\(found.file)").path
        let error = try #require(readLikeKonasim(path))
        #expect(error.file == path)
        #expect(error.byteOffset == found.offset, "\(error)")
        #expect(error.line == found.line, "\(error)")
        #expect(error.problem.contains(found.problem), "\(error)")
    }
}
