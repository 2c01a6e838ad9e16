import Yams

/// A whole number drawn afresh for each use: fixed (`4`) or uniform over a closed range
/// (`{uniform: [2, 8]}`, both ends included). The value of a `.distribution` key.
public struct CountDistribution: Sendable, Equatable {
    /// The smallest and largest value; equal for a fixed number.
    public var lower: Int64
    public var upper: Int64

    public init(lower: Int64, upper: Int64) {
        self.lower = lower
        self.upper = upper
    }

    /// Canonical text: `4`, or `{uniform: [2, 8]}`.
    public var text: String { lower == upper ? String(lower) : "{uniform: [\(lower), \(upper)]}" }

    /// Reads the canonical text (or any YAML spelling of it), checking both ends against
    /// `range`; the problem, if any, reads as a sentence about the value.
    static func parse(_ text: String, in range: ClosedRange<Int64>) -> Result<CountDistribution, DistributionProblem> {
        if let v = Int64(text.trimmingSpaces.replacingUnderscores) { return checked(v, v, in: range) }   // no YAML parser needed
        let node: Node?
        do { node = try YAMLDocument.compose(text) } catch {
            return .failure(DistributionProblem("expected an integer or {uniform: [a, b]}, got '\(text)'"))
        }
        guard let node else { return .failure(DistributionProblem("expected an integer or {uniform: [a, b]}, got nothing")) }
        return parse(node, in: range)
    }

    /// Reads a composed YAML value: a scalar integer, or a mapping `uniform: [a, b]`.
    static func parse(_ node: Node, in range: ClosedRange<Int64>) -> Result<CountDistribution, DistributionProblem> {
        func integer(_ node: Node) -> Int64? {
            guard case .scalar(let scalar) = node else { return nil }
            return Int64(scalar.string.trimmingSpaces.replacingUnderscores)
        }
        switch node {
        case .scalar(let scalar):
            guard let v = integer(node) else {
                return .failure(DistributionProblem("expected an integer or {uniform: [a, b]}, got '\(scalar.string)'"))
            }
            return checked(v, v, in: range)
        case .mapping(let mapping) where mapping.count == 1:
            let (key, value) = mapping.first!
            guard key.string == "uniform" else {
                return .failure(DistributionProblem("unknown distribution '\(key.string ?? "?")'; expected uniform: [a, b]"))
            }
            guard case .sequence(let bounds) = value, bounds.count == 2,
                  let lower = integer(bounds[0]), let upper = integer(bounds[1]) else {
                return .failure(DistributionProblem("uniform takes a list of two integers, [a, b]"))
            }
            return checked(lower, upper, in: range)
        default:
            return .failure(DistributionProblem("expected an integer or {uniform: [a, b]}"))
        }
    }
}

extension CountDistribution {
    /// `lower...upper` if both lie in `range` and are in order.
    private static func checked(_ lower: Int64, _ upper: Int64, in range: ClosedRange<Int64>) -> Result<CountDistribution, DistributionProblem> {
        for v in [lower, upper] where !range.contains(v) {
            let bounds = range.upperBound == Int64.max ? "\(range.lowerBound) or more" : "\(range.lowerBound)...\(range.upperBound)"
            return .failure(DistributionProblem("\(v) is outside the allowed range \(bounds)"))
        }
        guard lower <= upper else {
            return .failure(DistributionProblem("uniform: [\(lower), \(upper)]: the first bound is above the second"))
        }
        return .success(CountDistribution(lower: lower, upper: upper))
    }
}
