#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation

/// One figure of a sampled run: the mean of its value over the measured units and the
/// half-width of its confidence interval, `t * s / sqrt(n)` with `s` the units' standard
/// deviation and `t` Student's t quantile of the confidence with `n - 1` degrees of freedom.
/// SMARTS uses the normal quantile, which thousands of units allow; with the tens to
/// hundreds of units a run here measures, the normal quantile's interval is too narrow
/// (2 units: 2.97 standard errors where 212 are needed for 99.7%; 100 units: 2.97 for 3.04).
public struct SampledEstimate: Sendable {
    /// The statistic's name (as the detailed run's `--stats-json` names it), a label for the
    /// summary, and its unit.
    public var name: String, label: String, unit: String
    /// The estimate and the half-width of its interval (0 with fewer than two units).
    public var mean: Double, halfWidth: Double
    /// Units that had a value (a unit without remote accesses has no remote AMAT).
    public var units: Int

    /// The interval's ends.
    public var low: Double { mean - halfWidth }
    public var high: Double { mean + halfWidth }
    /// The half-width relative to the estimate (0 when the estimate is 0).
    public var relativeError: Double { mean == 0 ? 0 : halfWidth / abs(mean) }

    /// The estimate of `values` (one per unit) at `confidence`.
    public init(name: String, label: String, unit: String, values: [Double], confidence: Double) {
        self.name = name
        self.label = label
        self.unit = unit
        units = values.count
        let n = Double(values.count)
        mean = values.isEmpty ? 0 : values.reduce(0, +) / n
        if values.count < 2 {
            halfWidth = 0
        } else {
            let m = mean
            let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)
            halfWidth = Self.t(confidence, degreesOfFreedom: values.count - 1) * (variance / n).squareRoot()
        }
    }

    /// The ratio estimate `sum(x) / sum(y)` of per-unit pairs `(x, y)` (units weighted by
    /// their `y`, so a unit cut short by the windows' 1 us snapshot steps counts little),
    /// with the delta-method half-width `t * sqrt(sum((x - R y)^2) / (n (n - 1))) / mean(y)`.
    public init(name: String, label: String, unit: String, ratios pairs: [(x: Double, y: Double)], confidence: Double) {
        self.name = name
        self.label = label
        self.unit = unit
        units = pairs.count
        let n = Double(pairs.count)
        let sumX = pairs.reduce(0) { $0 + $1.x }, sumY = pairs.reduce(0) { $0 + $1.y }
        mean = sumY == 0 ? 0 : sumX / sumY
        if pairs.count < 2 || sumY == 0 {
            halfWidth = 0
        } else {
            let r = mean
            let residuals = pairs.reduce(0) { $0 + ($1.x - r * $1.y) * ($1.x - r * $1.y) }
            halfWidth = Self.t(confidence, degreesOfFreedom: pairs.count - 1) * (residuals / (n * (n - 1))).squareRoot() / (sumY / n)
        }
    }

    /// The fewest units whose interval at `confidence` would be within `target` of the estimate
    /// (relative), if more units kept this estimate's mean and its units' spread: the least `N`
    /// with `t(N - 1) * s / sqrt(N) <= target * |mean|`, where both the standard error and
    /// the quantile fall as units are added (212 standard errors for 2 units at 99.7%, 3.04 for
    /// 100). `units` itself when the interval is already that narrow; nil with fewer than two
    /// units or a mean of 0.
    public func unitsNeeded(for target: Double, confidence: Double) -> Int? {
        guard units >= 2, mean != 0, target > 0 else { return nil }
        let allowed = target * abs(mean)
        guard halfWidth > allowed else { return units }
        // The units' standard deviation (for a ratio estimate, of its residuals over mean(y)).
        let s = halfWidth * Double(units).squareRoot() / Self.t(confidence, degreesOfFreedom: units - 1)
        func narrowEnough(_ n: Int) -> Bool { Self.t(confidence, degreesOfFreedom: n - 1) * s / Double(n).squareRoot() <= allowed }
        var low = units, high = units * 2
        while !narrowEnough(high) {
            low = high
            guard high < Int.max / 4 else { return nil }
            high *= 2
        }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if narrowEnough(middle) { high = middle } else { low = middle }
        }
        return high
    }

    /// The two-sided Student's t quantile: `t` with P(|T| <= t) = `confidence` for `T` with
    /// `degreesOfFreedom` degrees of freedom (212.2 for 0.997 and 1, 3.04 for 0.997 and 99),
    /// by bisection on the distribution, to 1e-9 relative.
    public static func t(_ confidence: Double, degreesOfFreedom df: Int) -> Double {
        precondition(df >= 1 && confidence > 0 && confidence < 1)
        let v = Double(df)
        // P(|T| <= t) = 1 - I(v / (v + t^2); v / 2, 1 / 2), I the regularized incomplete beta.
        func covered(_ t: Double) -> Double { 1 - regularizedBeta(v / (v + t * t), v / 2, 0.5) }
        var low = 0.0, high = 1.0
        while covered(high) < confidence { low = high; high *= 2 }
        while high - low > 1e-9 * high {
            let middle = (low + high) / 2
            if covered(middle) < confidence { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// I(x; a, b), the regularized incomplete beta function, by its continued fraction
    /// (evaluated by the modified Lentz method), on the side of the symmetry
    /// I(x; a, b) = 1 - I(1 - x; b, a) where it converges fast.
    static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let front = exp(logGammas + logPowers)
        if x > (a + 1) / (a + b + 2) { return 1 - front * betaFraction(1 - x, b, a) / b }
        return front * betaFraction(x, a, b) / a
    }

    /// The continued fraction 1 / (1 + d1 / (1 + d2 / (1 + ...))) of I(x; a, b), with
    /// d(2m+1) = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)) and d(2m) = m(b-m) x / ((a+2m-1)(a+2m)).
    private static func betaFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        func guarded(_ value: Double) -> Double { abs(value) < tiny ? tiny : value }
        var c = 1.0, d = 1 / guarded(1 - (a + b) * x / (a + 1)), result = d
        for m in 1...10_000 {
            let k = Double(m)
            let even: Double = k * (b - k) * x / ((a + 2 * k - 1) * (a + 2 * k))
            let odd: Double = -(a + k) * (a + b + k) * x / ((a + 2 * k) * (a + 2 * k + 1))
            for numerator in [even, odd] {
                d = 1 / guarded(1 + numerator * d)
                c = guarded(1 + numerator / c)
                result *= c * d
            }
            if abs(c * d - 1) < 1e-15 { break }
        }
        return result
    }
}
