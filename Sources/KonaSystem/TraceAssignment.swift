import KonaConfig
import KonaWorkloads

/// Which trace file and which of its threads each core replays: `workload.trace` with
/// `workload.placement`, or `workload.traces`.
///
/// Each core with work gets its own reader of the file (its own fd and fixed buffer), which
/// yields only that core's threads, in the file's order; so threads replay concurrently, one
/// stream per core, and memory stays flat in the trace's length.
struct TraceAssignment {
    /// Per core (index), the file and the threads it replays (nil: every thread of the file).
    private(set) var cores: [(path: String, threads: Set<UInt32>?)?]
    /// A one-line description for the summary.
    private(set) var description: String

    /// Resolves the placement of a trace workload on a system of `count` cores.
    /// - Throws: `WorkloadError` if a file cannot be read, or the placement names a thread
    ///   the trace lacks or leaves one of its threads without a core.
    init(_ workload: SimulationConfig.Workload, cores count: Int) throws(WorkloadError) {
        cores = Array(repeating: nil, count: count)
        switch workload {
        case .synthetic:
            preconditionFailure("not a trace workload")
        case .coreTraces(let list):
            for (core, path) in list { cores[core] = (path, nil) }
            description = "traces " + list.map { "cpu\($0.core) \($0.path)" }.joined(separator: ", ")
        case .trace(let path, let placement):
            var threads = try TraceFile.threads(path)
            if threads.isEmpty { threads = [1] }           // an empty trace: nothing on cpu0
            var placed: [(thread: UInt32, core: Int)] = []
            switch placement {
            case .roundRobin(let n):
                placed = threads.enumerated().map { ($1, $0 % n) }
            case .map(let map):
                for entry in map where !threads.contains(entry.thread) {
                    throw WorkloadError(file: path, line: 0, problem: "workload.placement (\(entry.origin)) places thread \(entry.thread), which the trace does not have (its threads: \(threads.map(String.init).joined(separator: ", ")))")
                }
                for t in threads {
                    guard let entry = map.first(where: { $0.thread == t }) else {
                        throw WorkloadError(file: path, line: 0, problem: "thread \(t) has records, but workload.placement gives it no core (its threads: \(threads.map(String.init).joined(separator: ", ")))")
                    }
                    placed.append((t, entry.core))
                }
            }
            for core in Set(placed.map(\.core)) {
                let mine = placed.filter { $0.core == core }.map(\.thread)
                cores[core] = (path, mine.count == threads.count ? nil : Set(mine))
            }
            let kind = (try TraceFile.format(of: path)) == .binary ? "binary trace" : "lackey trace"
            if placed.count == 1 {
                description = "\(kind) \(path)" + (count > 1 || placed[0].core != 0 ? " on cpu\(placed[0].core)" : "")
            } else {
                let shown = placed.prefix(8).map { "\($0.thread) on cpu\($0.core)" }.joined(separator: ", ")
                description = "\(kind) \(path), \(placed.count) threads: \(shown)" + (placed.count > 8 ? ", ..." : "")
            }
        }
        let busy = cores.filter { $0 != nil }.count
        if busy < count && count > 1 { description += " (other cores idle)" }
    }

    /// One access stream per core (empty for idle cores).
    /// - Throws: `WorkloadError` if a file cannot be opened.
    func sources() throws(WorkloadError) -> [any AccessSource] {
        var sources: [any AccessSource] = []
        for slot in cores {
            if let (path, threads) = slot {
                sources.append(try TraceFile.accesses(path, threads: threads))
            } else {
                sources.append(AccessList([]))
            }
        }
        return sources
    }
}
