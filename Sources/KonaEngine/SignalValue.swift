/// A traced value.
public enum SignalValue: Sendable, Equatable {
    case bits(UInt64)
    case real(Double)
    case string(String)
}
