/// The stable MESI states of a cached line.
///
/// A single-core hierarchy uses `I`, `E` (clean, writable) and `M` (dirty); `S` appears once
/// several caches share a line. Transient states and the transition tables live beside this
/// type when the coherence model lands.
public enum MESIState: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Invalid: not present.
    case I
    /// Shared: clean, read-only, possibly in other caches.
    case S
    /// Exclusive: clean, the only copy, writable without telling anyone.
    case E
    /// Modified: dirty, the only copy; must be written back on eviction.
    case M

    /// Whether a load may be served from this state.
    public var canRead: Bool { self != .I }
    /// Whether a store may be performed in this state without a coherence request.
    public var canWrite: Bool { self == .E || self == .M }
    /// Whether the data differs from the next level and must be written back.
    public var isDirty: Bool { self == .M }

    public var description: String { String(describing: self) }
}
