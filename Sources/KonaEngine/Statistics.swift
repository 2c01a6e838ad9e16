/// A number reported under a dotted name: an exact integer or a real.
public enum StatValue: Sendable, Equatable {
    case integer(UInt64)
    case real(Double)

    /// The value as a double, for arithmetic in reports.
    public var asDouble: Double {
        switch self {
        case .integer(let v): Double(v)
        case .real(let v): v
        }
    }

    /// The value as a JSON number: integers exactly, reals in Swift's shortest round-trip
    /// form (whole reals below 1e15 as `N.0`), non-finite reals as `null`.
    public var json: String {
        switch self {
        case .integer(let v): String(v)
        case .real(let v): v.isFinite ? (v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) + ".0" : String(v)) : "null"
        }
    }
}

/// A monotonically increasing count. Incrementing is one add; no allocation.
public final class Counter {
    /// The count so far.
    public var value: UInt64 = 0
    public init() {}
    /// Adds `n` (default 1).
    @inline(__always) public func add(_ n: UInt64 = 1) { value &+= n }
}

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

/// Registered statistics by dotted name, each with a one-line description and unit.
///
/// Components register the counters they own when built; reports read every statistic
/// in name order, so output never depends on registration or dictionary order.
public final class StatsRegistry {
    /// How a registered statistic is read.
    public enum Source {
        case counter(Counter)
        case average(Average, scale: Double)
        case distribution(Distribution, scale: Double)
        case formula(() -> StatValue)
    }

    /// One registered statistic.
    public struct Entry {
        public let name: String
        public let description: String
        public let unit: String
        public let source: Source
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    private func add(_ name: String, _ description: String, _ unit: String, _ source: Source) {
        precondition(entries[name] == nil, "statistic '\(name)' registered twice")
        entries[name] = Entry(name: name, description: description, unit: unit, source: source)
    }

    /// Registers and returns a new counter.
    @discardableResult
    public func counter(_ name: String, _ description: String, unit: String) -> Counter {
        let c = Counter(); add(name, description, unit, .counter(c)); return c
    }

    /// Registers and returns a new average; reported values are divided by `scale`
    /// (record picoseconds, report nanoseconds with `scale: 1000`).
    @discardableResult
    public func average(_ name: String, _ description: String, unit: String, scale: Double = 1) -> Average {
        let a = Average(); add(name, description, unit, .average(a, scale: scale)); return a
    }

    /// Registers and returns a new distribution; reported values are divided by `scale`.
    @discardableResult
    public func distribution(_ name: String, _ description: String, unit: String, scale: Double = 1) -> Distribution {
        let d = Distribution(); add(name, description, unit, .distribution(d, scale: scale)); return d
    }

    /// Registers a value computed when read (a hit rate, a utilization).
    public func formula(_ name: String, _ description: String, unit: String, _ value: @escaping () -> StatValue) {
        add(name, description, unit, .formula(value))
    }

    /// All entries, sorted by name.
    public var sortedEntries: [Entry] { entries.values.sorted { $0.name < $1.name } }

    /// The entry named `name`.
    public func entry(_ name: String) -> Entry? { entries[name] }

    /// Every reported number as `(dotted name, value)`, sorted by name. A distribution `d`
    /// yields `d.count`, `d.mean`, `d.min`, `d.max`, `d.p50`, `d.p90`, `d.p99`.
    public func flatValues() -> [(name: String, value: StatValue)] {
        var out: [(name: String, value: StatValue)] = []
        for entry in sortedEntries {
            switch entry.source {
            case .counter(let c):
                out.append((entry.name, .integer(c.value)))
            case .average(let a, let scale):
                out.append((entry.name, .real(a.mean / scale)))
            case .distribution(let d, let scale):
                out.append((entry.name + ".count", .integer(d.count)))
                out.append((entry.name + ".mean", .real(d.mean / scale)))
                out.append((entry.name + ".min", .real(Double(d.min) / scale)))
                out.append((entry.name + ".max", .real(Double(d.max) / scale)))
                for (label, p) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
                    out.append((entry.name + "." + label, .real(Double(d.percentile(p)) / scale)))
                }
            case .formula(let f):
                out.append((entry.name, f()))
            }
        }
        return out.sorted { $0.name < $1.name }
    }

    /// The value of one flat name (including distribution suffixes), if present.
    public func value(_ name: String) -> StatValue? {
        flatValues().first { $0.name == name }?.value
    }
}
