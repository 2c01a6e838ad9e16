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
        // A product that fits in 64 bits (nearly always) takes one 64-bit division, not the
        // runtime's 128-bit one.
        let (q, r) = product.high == 0 ? product.low.quotientAndRemainder(dividingBy: denominator)
                                       : denominator.dividingFullWidth((product.high, product.low))
        return r == 0 ? q : q + 1
    }

    /// `self * numerator / denominator` computed without intermediate overflow, rounded down.
    /// - Precondition: the result fits in 64 bits.
    @inlinable
    public func scaledRoundingDown(by numerator: UInt64, dividedBy denominator: UInt64) -> UInt64 {
        let product = self.multipliedFullWidth(by: numerator)
        return product.high == 0 ? product.low / denominator
                                 : denominator.dividingFullWidth((product.high, product.low)).quotient
    }
}
