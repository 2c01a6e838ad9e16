/// Simulated time: an integer count of picoseconds since the start of the run.
///
/// A `UInt64` of picoseconds spans about 213 days of simulated time, far more than any run.
public typealias Tick = UInt64

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
