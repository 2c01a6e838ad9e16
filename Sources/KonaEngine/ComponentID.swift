/// Identifies a component registered with a `Simulator`; an index into its handler table.
public struct ComponentID: Hashable, Sendable, CustomStringConvertible {
    /// Position in the simulator's component table.
    public let raw: UInt32
    /// Wraps a raw table index.
    public init(raw: UInt32) { self.raw = raw }
    public var description: String { "#\(raw)" }
}
