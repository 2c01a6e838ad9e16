import KonaWorkloads

/// Reads a trace file the ways `konasim` does, to its end or its first error, and checks
/// that an error is one a user can act on.
///
/// In order: `TraceFile.threads` (what `konasim run` does to place threads on cores), then
/// every thread's accesses through a `LineSplitter` in batches (a core's stream), then the
/// first thread's alone, one `next` at a time (one core's share: the binary reader skips
/// the other threads' blocks), then every record through `TraceSummary` and its total
/// (`konasim trace stats`). O(1) time per record; memory is the readers' fixed buffers and
/// `TraceSummary`'s set of the lines touched.
enum TraceDriver {
    /// Reads the trace at `path` (`length` bytes); traps if an error names no cause or
    /// points past the end of the file.
    static func read(_ path: String, length: Int) {
        do throws(WorkloadError) {
            let threads = try TraceFile.threads(path)
            try drain(TraceFile.accesses(path))
            if let first = threads.first {
                let one = try TraceFile.accesses(path, threads: [first])
                var access = MemoryAccess.none
                while try one.next(into: &access) {}
            }
            let summary = try TraceSummary(reading: TraceFile.records(path))
            precondition(summary.threads.map(\.thread).allSatisfy(threads.contains),
                         "trace stats found threads \(summary.threads.map(\.thread)), the thread scan \(threads)")
            _ = summary.total
        } catch {
            check(error, path: path, length: length)
        }
    }

    /// Reads `source` to its end, 256 accesses at a time, as a core does.
    private static func drain(_ source: any AccessSource) throws(WorkloadError) {
        let split = LineSplitter(source)
        let batch = UnsafeMutableBufferPointer<MemoryAccess>.allocate(capacity: 256)
        defer { batch.deallocate() }
        while try split.fill(batch) > 0 {}
    }

    /// An error must name the file and a problem, and a byte offset inside the file.
    private static func check(_ error: WorkloadError, path: String, length: Int) {
        precondition(error.file == path && !error.problem.isEmpty, "an error without a cause: \(error)")
        if let offset = error.byteOffset {
            precondition(offset <= UInt64(length), "error at byte \(offset) of a \(length)-byte file: \(error)")
        }
    }
}
