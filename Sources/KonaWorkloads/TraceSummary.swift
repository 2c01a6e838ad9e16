/// What a trace holds, per thread and in all: `konasim trace stats`.
///
/// Counting is O(1) per record; the footprint keeps a set of the distinct 64 B lines, so
/// its memory grows with the trace's footprint (16 bytes or so per line), not its length.
public struct TraceSummary: Sendable {
    /// One thread's counts.
    public struct Thread: Sendable, Equatable {
        public var thread: UInt32
        /// Data records (a Lackey `M` counts one).
        public var records: UInt64 = 0
        /// Loads: `L` and `M` records.
        public var loads: UInt64 = 0
        /// Stores: `S` and `M` records.
        public var stores: UInt64 = 0
        /// `M` records (each is a load and a store).
        public var modifies: UInt64 = 0
        public var instructions: UInt64 = 0
    }

    /// Threads in increasing order.
    public private(set) var threads: [Thread] = []
    /// Distinct 64 B lines any byte of an access falls in.
    public private(set) var lines = 0
    /// Distinct 4 KiB pages of those lines.
    public private(set) var pages = 0

    /// Reads `source` to its end.
    /// - Throws: `WorkloadError` for malformed input.
    public init(reading source: any TraceRecordSource) throws(WorkloadError) {
        var byThread: [UInt32: Thread] = [:]
        var lineSet: Set<UInt64> = []
        var record = TraceRecord.none
        var current = Thread(thread: 0)
        var started = false
        while try source.nextRecord(into: &record) {
            if !started || record.thread != current.thread {
                if started { byThread[current.thread] = current }
                current = byThread[record.thread] ?? Thread(thread: record.thread)
                started = true
            }
            current.instructions &+= record.instructions
            switch record.kind {
            case .instructions: continue
            case .load: current.loads &+= 1
            case .store: current.stores &+= 1
            case .modify:
                current.loads &+= 1
                current.stores &+= 1
                current.modifies &+= 1
            }
            current.records &+= 1
            let last = (record.address &+ UInt64(record.size) &- 1) >> 6
            var line = record.address >> 6
            while true {
                lineSet.insert(line)
                if line == last { break }
                line &+= 1
            }
        }
        if started { byThread[current.thread] = current }
        threads = byThread.values.sorted { $0.thread < $1.thread }
        lines = lineSet.count
        pages = Set(lineSet.map { $0 >> 6 }).count
    }

    /// The sum over threads (its `thread` is 0).
    public var total: Thread {
        threads.reduce(into: Thread(thread: 0)) {
            $0.records += $1.records
            $0.loads += $1.loads
            $0.stores += $1.stores
            $0.modifies += $1.modifies
            $0.instructions += $1.instructions
        }
    }
}
