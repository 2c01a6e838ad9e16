/// Where a home agent keeps the values of the lines it homes, for data-value tracking.
public protocol LineValueStore: AnyObject {
    /// The value of `line`.
    func value(of line: UInt64) -> UInt64
    /// Writes `value` to `line`.
    func store(_ value: UInt64, to line: UInt64)
}
