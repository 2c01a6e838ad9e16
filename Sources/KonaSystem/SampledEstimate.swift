#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation

/// One figure of a sampled run: the mean of its value over the measured units and the
/// half-width of its confidence interval, `z * s / sqrt(n)` with `s` the units' standard
/// deviation and `z` the normal quantile of the confidence (the central limit theorem
/// over the units, as SMARTS does).
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
            halfWidth = Self.z(confidence) * (variance / n).squareRoot()
        }
    }

    /// The ratio estimate `sum(x) / sum(y)` of per-unit pairs `(x, y)` (units weighted by
    /// their `y`, so a unit cut short by the windows' 1 us snapshot steps counts little),
    /// with the delta-method half-width `z * sqrt(sum((x - R y)^2) / (n (n - 1))) / mean(y)`.
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
            halfWidth = Self.z(confidence) * (residuals / (n * (n - 1))).squareRoot() / (sumY / n)
        }
    }

    /// The two-sided normal quantile: `z` with P(|Z| <= z) = `confidence` (2.97 for 0.997),
    /// by bisection on `erf`, to 1e-12.
    public static func z(_ confidence: Double) -> Double {
        var low = 0.0, high = 40.0
        for _ in 0..<100 {
            let middle = (low + high) / 2
            if erf(middle / 2.0.squareRoot()) < confidence { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
