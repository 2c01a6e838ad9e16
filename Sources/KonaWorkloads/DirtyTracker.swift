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
    private var lineMasks: [UInt64: UInt64] = [:]
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
    /// the interval current when it is read: rare, at a chunk's end.) O(entries x logs).
    public func observe(_ logs: [IssueLog], before limit: Tick) {
        while true {
            var best = -1
            var bestTime = limit
            for (c, log) in logs.enumerated() where log.head < log.times.count {
                let t = log.times[log.head]
                if t < bestTime { best = c; bestTime = t }
            }
            guard best >= 0 else { break }
            let log = logs[best]
            observe(log.accesses[log.head])
            log.head += 1
            // The record's later pieces (a Lackey M's store, a split access's next lines) go
            // with it, whatever another core issued in between: a record is one access.
            while log.head < log.times.count && log.accesses[log.head].continuesRecord {
                observe(log.accesses[log.head])
                log.head += 1
            }
        }
        for log in logs { log.compact() }
    }

    /// One issued access of the system stream.
    private func observe(_ access: MemoryAccess) {
        if !access.continuesRecord {
            if inInterval == interval { close() }
            inInterval += 1
            records += 1
        }
        guard access.kind == .store else { return }
        var address = access.address
        var left = UInt64(access.size)
        while left > 0 {
            let line = address >> 6, offset = address & 63
            let count = min(left, 64 - offset)
            let bits: UInt64 = count == 64 ? .max : ((1 << count) - 1) << offset
            lineMasks[line, default: 0] |= bits
            address += count
            left -= count
        }
    }

    private func close() {
        intervals += 1
        inInterval = 0
        guard !lineMasks.isEmpty else { return }
        for mask in lineMasks.values { modifiedBytes += UInt64(mask.nonzeroBitCount) }
        for (g, granularity) in Self.granularities.enumerated() {
            let shift = UInt64(granularity.trailingZeroBitCount) - 6
            let units = granularity == 64 ? lineMasks.count : Set(lineMasks.keys.map { $0 >> shift }).count
            writtenBack[g] += UInt64(units) * granularity
        }
        lineMasks.removeAll(keepingCapacity: true)
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
