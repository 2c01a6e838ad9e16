/// A running mean of samples. Recording is two adds; no allocation.
public final class Average {
    /// Sum of the samples.
    public private(set) var sum: Double = 0
    /// Number of samples.
    public private(set) var count: UInt64 = 0
    public init() {}
    /// Adds one sample.
    @inline(__always) public func record(_ sample: Double) { sum += sample; count &+= 1 }
    /// Adds one integer sample.
    @inline(__always) public func record(_ sample: UInt64) { record(Double(sample)) }
    /// The mean, or 0 with no samples.
    public var mean: Double { count == 0 ? 0 : sum / Double(count) }
}
