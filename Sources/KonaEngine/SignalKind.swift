/// How a traced signal's values are shown in a waveform.
public enum SignalKind: Sendable, Equatable {
    /// An unsigned bit vector (`width` 1 is a single wire).
    case wire(width: Int)
    /// A real number.
    case real
    /// A short text: a protocol state, a message name.
    case string
}
