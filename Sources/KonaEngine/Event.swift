/// One scheduled happening: a small value with no class references, 32 bytes.
///
/// Events are ordered by `(time, priority, sequence)`; the sequence number is the order of
/// insertion, so two runs that schedule the same events get the same order.
/// `kind` and `payload` mean whatever the target component says they mean
/// (typically a message kind and a line address or a message-pool index).
public struct Event: Sendable {
    /// When the event fires.
    public var time: Tick
    /// Priority (top 8 bits; lower fires first at equal time) and insertion sequence (low 56 bits).
    public var order: UInt64
    /// The component whose `handle` is called.
    public var target: ComponentID
    /// A component-defined event kind.
    public var kind: UInt32
    /// A component-defined argument.
    public var payload: UInt64

    /// The priority this event was scheduled with.
    public var priority: UInt8 { UInt8(truncatingIfNeeded: order >> 56) }
    /// The insertion sequence number.
    public var sequence: UInt64 { order & ((1 << 56) - 1) }

    /// Whether `self` fires before `other`.
    @inline(__always)
    public func precedes(_ other: Event) -> Bool {
        time != other.time ? time < other.time : order < other.order
    }
}
