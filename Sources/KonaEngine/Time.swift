/// Simulated time: an integer count of picoseconds since the start of the run.
///
/// A `UInt64` of picoseconds spans about 213 days of simulated time, far more than any run.
public typealias Tick = UInt64

/// Named tick quantities, so that code reads `3 * Ticks.ns` rather than `3000`.
public enum Ticks {
    /// One picosecond.
    public static let ps: Tick = 1
    /// One nanosecond.
    public static let ns: Tick = 1_000
    /// One microsecond.
    public static let us: Tick = 1_000_000
    /// One millisecond.
    public static let ms: Tick = 1_000_000_000
    /// One second.
    public static let s: Tick = 1_000_000_000_000
}

extension Tick {
    /// `self * numerator / denominator` computed without intermediate overflow, rounded up.
    /// - Precondition: the result fits in 64 bits.
    @inlinable
    public func scaledRoundingUp(by numerator: UInt64, dividedBy denominator: UInt64) -> UInt64 {
        let product = self.multipliedFullWidth(by: numerator)
        let (q, r) = denominator.dividingFullWidth((product.high, product.low))
        return r == 0 ? q : q + 1
    }

    /// `self * numerator / denominator` computed without intermediate overflow, rounded down.
    /// - Precondition: the result fits in 64 bits.
    @inlinable
    public func scaledRoundingDown(by numerator: UInt64, dividedBy denominator: UInt64) -> UInt64 {
        let product = self.multipliedFullWidth(by: numerator)
        return denominator.dividingFullWidth((product.high, product.low)).quotient
    }
}
