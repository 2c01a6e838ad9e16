import KonaEngine

/// The shadow dirty trackers of a whole system, in the spirit of Kona's KTracker: what
/// dirty tracking at 64 B, 4 KiB and 2 MiB would write back.
///
/// The tracker reads every core's issued data accesses (`IssueLog`s) merged into one system
/// stream in issue order (by issue time; equal times in core order, each core's in program
/// order). Over each interval of `interval` data records of that stream (a Lackey `L`, `S`
/// or `M` counts one however many line pieces it issues), a tracker of granularity G would
/// write back G bytes for every distinct G-sized unit a store touched, whichever core
/// touched it. Amplification at G is the sum over intervals of those bytes divided by the
/// sum over intervals of the distinct bytes stores wrote. Only what the cores issued counts.
public final class DirtyTracker {
    /// The granularities tracked: 64 B, 4 KiB, 2 MiB.
    public static let granularities: [UInt64] = [64, 4096, 2 << 20]

    /// Data records per interval.
    public let interval: UInt64
    /// Records in the current interval.
    private var inInterval: UInt64 = 0
    /// Per 64-byte line touched by a store this interval: the bytes written (a bit each).
    private var lineMasks = LineMap<UInt64>()
    /// Bytes each granularity would have written back, summed over closed intervals.
    public private(set) var writtenBack = [UInt64](repeating: 0, count: DirtyTracker.granularities.count)
    /// Distinct bytes stores wrote, summed over closed intervals.
    public private(set) var modifiedBytes: UInt64 = 0
    /// Data records seen.
    public private(set) var records: UInt64 = 0
    /// Intervals closed so far (the last, partial one closes with `finish`).
    public private(set) var intervals: UInt64 = 0

    /// Trackers over intervals of `interval` data records (> 0).
    public init(interval: UInt64) {
        precondition(interval > 0)
        self.interval = interval
    }

    /// Reads the entries of `logs` (one per core, in core order) issued before `limit`, in
    /// issue order of their records (a record's later pieces are read with its first), and
    /// drops them from the logs. Entries at or after `limit` stay: another core may still
    /// issue before them. (A later piece not yet in its log, issued after `limit`, counts in
    /// the interval current when it is read: rare, at a chunk's end.) O(entries + runs x logs),
    /// a run being a log's records read one after another (no other log's between).
    public func observe(_ logs: [IssueLog], before limit: Tick) {
        cursors.removeAll(keepingCapacity: true)
        for log in logs { cursors.append(Cursor(times: log.times, accesses: log.accesses, count: log.count, head: log.head)) }
        cursors.withUnsafeMutableBufferPointer { cursors in
            while true {
                // The log whose next record comes first (equal times: the lowest core), and
                // the first next record among the other logs, which ends the first one's run.
                var best = -1, bestTime = limit
                var bound = limit, boundCore = Int.max
                for c in 0 ..< cursors.count where cursors[c].head < cursors[c].count {
                    let t = cursors[c].times[cursors[c].head]
                    if t < bestTime {
                        if best >= 0 { bound = bestTime; boundCore = best }
                        best = c
                        bestTime = t
                    } else if t < bound {
                        bound = t
                        boundCore = c
                    }
                }
                guard best >= 0 else { break }
                let log = cursors[best]
                var h = log.head
                repeat {
                    observe(log.accesses[h])
                    h &+= 1
                    // The record's later pieces (a Lackey M's store, a split access's next
                    // lines) go with it, whatever another core issued in between: a record is
                    // one access.
                    while h < log.count && log.accesses[h].continuesRecord {
                        observe(log.accesses[h])
                        h &+= 1
                    }
                } while h < log.count && (log.times[h] < bound || (log.times[h] == bound && bound < limit && best < boundCore))
                cursors[best].head = h
            }
        }
        for (log, cursor) in zip(logs, cursors) {
            log.head = cursor.head
            log.compact()
        }
    }

    /// A log's entries as `observe` reads them.
    private struct Cursor {
        var times: UnsafeMutablePointer<Tick>
        var accesses: UnsafeMutablePointer<MemoryAccess>
        var count: Int
        var head: Int
    }

    /// The logs being read, one cursor each (kept for its capacity).
    private var cursors: [Cursor] = []

    /// One issued access of the system stream.
    @inline(__always)
    private func observe(_ access: MemoryAccess) {
        if !access.continuesRecord {
            if inInterval == interval { close() }
            inInterval &+= 1
            records &+= 1
        }
        guard access.kind == .store else { return }
        var address = access.address
        var left = UInt64(access.size)
        while left > 0 {
            let line = address >> 6, offset = address & 63
            let count = min(left, 64 - offset)
            let bits: UInt64 = count == 64 ? .max : ((1 << count) - 1) << offset
            let slot = lineMasks.index(of: line)
            lineMasks.update(line, to: (slot >= 0 ? lineMasks.value(at: slot) : 0) | bits, hint: slot)
            address += count
            left -= count
        }
    }

    private func close() {
        intervals += 1
        inInterval = 0
        guard !lineMasks.isEmpty else { return }
        var modified: UInt64 = 0
        lineMasks.forEachInSlotOrder { _, mask in modified += UInt64(mask.nonzeroBitCount) }
        modifiedBytes += modified
        // Ascending lines give each granularity's units in ascending order: distinct ones
        // are counted where the unit changes.
        let lines = lineMasks.sortedKeys
        for (g, granularity) in Self.granularities.enumerated() {
            let shift = UInt64(granularity.trailingZeroBitCount) - 6
            var units: UInt64 = 0, previous = UInt64.max
            for line in lines where line >> shift != previous {
                units += 1
                previous = line >> shift
            }
            writtenBack[g] += units * granularity
        }
        lineMasks.removeAll()
    }

    /// Reads what is left in `logs` and closes the last, partial interval (once the run has ended).
    public func finish(_ logs: [IssueLog]) {
        observe(logs, before: .max)
        if inInterval > 0 { close() }
    }

    /// Amplification at granularity index `g` (bytes written back / bytes modified), 0 before any store.
    public func amplification(_ g: Int) -> Double {
        modifiedBytes == 0 ? 0 : Double(writtenBack[g]) / Double(modifiedBytes)
    }
}
