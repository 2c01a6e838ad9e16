/// A monotonically increasing count. Incrementing is one add; no allocation.
public final class Counter {
    /// The count so far.
    public var value: UInt64 = 0
    public init() {}
    /// Adds `n` (default 1).
    @inline(__always) public func add(_ n: UInt64 = 1) { value &+= n }
}
