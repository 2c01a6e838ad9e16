/// Identifies a declared signal.
public struct SignalID: Hashable, Sendable {
    public let raw: Int32
}
