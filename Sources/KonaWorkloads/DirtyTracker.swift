/// Shadow dirty trackers in the spirit of Kona's KTracker, watching an access stream.
///
/// Over each interval of `interval` data accesses (a Lackey `L`, `S` or `M` counts one:
/// the stream's `records`), a tracker of granularity G would write back G bytes for every
/// distinct G-sized unit a store touched. Amplification at G is the sum over intervals of
/// those bytes divided by the sum over intervals of the distinct bytes stores wrote. The
/// tracker passes the stream through unchanged.
public final class DirtyTracker: AccessSource {
    /// The granularities tracked: 64 B, 4 KiB, 2 MiB.
    public static let granularities: [UInt64] = [64, 4096, 2 << 20]

    private let inner: any AccessSource
    public let interval: UInt64
    private var intervalStart: UInt64 = 0
    /// Per 64-byte line touched by a store this interval: the bytes written (a bit each).
    private var lineMasks: [UInt64: UInt64] = [:]
    /// Bytes each granularity would have written back, summed over closed intervals.
    public private(set) var writtenBack = [UInt64](repeating: 0, count: DirtyTracker.granularities.count)
    /// Distinct bytes stores wrote, summed over closed intervals.
    public private(set) var modifiedBytes: UInt64 = 0
    /// Intervals closed so far (the last, partial one closes with `finish`).
    public private(set) var intervals: UInt64 = 0

    /// Tracks `inner` over intervals of `interval` data accesses (> 0).
    public init(_ inner: any AccessSource, interval: UInt64) {
        precondition(interval > 0)
        self.inner = inner
        self.interval = interval
    }

    public var instructions: UInt64 { inner.instructions }
    public var records: UInt64 { inner.records }

    public func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        guard try inner.next(into: &access) else { return false }
        observe(access)
        closeIfDue()
        return true
    }

    public func fill(_ buffer: UnsafeMutableBufferPointer<MemoryAccess>) throws(WorkloadError) -> Int {
        // Never read past the interval's end, so its boundary falls between batches.
        let room = Int(min(UInt64(buffer.count), max(1, intervalStart + interval - inner.records)))
        let n = try inner.fill(UnsafeMutableBufferPointer(rebasing: buffer[0..<room]))
        for i in 0..<n { observe(buffer[i]) }
        closeIfDue()
        return n
    }

    @inline(__always)
    private func observe(_ access: MemoryAccess) {
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

    private func closeIfDue() {
        if inner.records >= intervalStart + interval { close() }
    }

    private func close() {
        intervals += 1
        intervalStart = inner.records
        guard !lineMasks.isEmpty else { return }
        for mask in lineMasks.values { modifiedBytes += UInt64(mask.nonzeroBitCount) }
        for (g, granularity) in Self.granularities.enumerated() {
            let shift = UInt64(granularity.trailingZeroBitCount) - 6
            let units = granularity == 64 ? lineMasks.count : Set(lineMasks.keys.map { $0 >> shift }).count
            writtenBack[g] += UInt64(units) * granularity
        }
        lineMasks.removeAll(keepingCapacity: true)
    }

    /// Closes the last, partial interval (call once the stream has ended).
    public func finish() { if !lineMasks.isEmpty { close() } }

    /// Amplification at granularity index `g` (bytes written back / bytes modified), 0 before any store.
    public func amplification(_ g: Int) -> Double {
        modifiedBytes == 0 ? 0 : Double(writtenBack[g]) / Double(modifiedBytes)
    }
}
