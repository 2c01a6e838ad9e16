/// A distribution of non-negative integer samples with exact count, sum, min and max and
/// percentiles from a log-linear histogram (64 sub-buckets per power of two: each reported
/// percentile is within 1.6% of the true sample value). Recording is O(1), no allocation.
public final class Distribution {
    @usableFromInline static let subBits = 6
    @usableFromInline static let subCount = 1 << subBits
    @usableFromInline static let bucketCount = (64 - subBits + 1) * subCount
    @usableFromInline let buckets: UnsafeMutablePointer<UInt64>
    /// Number of samples.
    public private(set) var count: UInt64 {
        get { storedCount }
        set { storedCount = newValue }
    }
    @usableFromInline var storedCount: UInt64 = 0
    /// Sum of the samples (wrapping past 2^64; ample for picosecond latencies).
    public var sum: UInt64 { storedSum }
    @usableFromInline var storedSum: UInt64 = 0
    @usableFromInline var smallest = UInt64.max
    /// Smallest sample, or 0 with none.
    public var min: UInt64 { storedCount == 0 ? 0 : smallest }
    /// Largest sample.
    public var max: UInt64 { largest }
    @usableFromInline var largest: UInt64 = 0

    public init() {
        buckets = .allocate(capacity: Self.bucketCount)
        buckets.initialize(repeating: 0, count: Self.bucketCount)
    }

    deinit { buckets.deallocate() }

    @inlinable @inline(__always)
    static func bucket(of v: UInt64) -> Int {
        if v < UInt64(subCount) { return Int(v) }
        let magnitude = 63 &- v.leadingZeroBitCount            // >= subBits
        let shift = magnitude &- subBits
        let sub = Int(truncatingIfNeeded: v >> UInt64(shift)) &- subCount
        return (shift &+ 1) &* subCount &+ sub
    }

    private static func lowerBound(ofBucket b: Int) -> UInt64 {
        if b < subCount { return UInt64(b) }
        let shift = b / subCount - 1
        return UInt64(subCount + b % subCount) << UInt64(shift)
    }

    /// Adds one sample.
    @inlinable @inline(__always)
    public func record(_ sample: UInt64) {
        if sample < smallest { smallest = sample }
        if sample > largest { largest = sample }
        storedCount &+= 1
        storedSum &+= sample
        buckets[Self.bucket(of: sample)] &+= 1
    }

    /// The mean, or 0 with no samples.
    public var mean: Double { storedCount == 0 ? 0 : Double(storedSum) / Double(storedCount) }

    /// The smallest recorded value `v` (to histogram precision) such that at least
    /// `fraction` of the samples are `<= v`; clamped to `[min, max]`. 0 with no samples.
    public func percentile(_ fraction: Double) -> UInt64 {
        guard storedCount > 0 else { return 0 }
        let rank = Swift.max(1, UInt64((fraction * Double(storedCount)).rounded(.up)))
        var seen: UInt64 = 0
        for b in 0..<Self.bucketCount where buckets[b] > 0 {
            seen += buckets[b]
            if seen >= rank {
                return Swift.min(Swift.max(Self.lowerBound(ofBucket: b), min), max)
            }
        }
        return max
    }
}
