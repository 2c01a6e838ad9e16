/// A number reported under a dotted name: an exact integer or a real.
public enum StatValue: Sendable, Equatable {
    case integer(UInt64)
    case real(Double)

    /// The value as a double, for arithmetic in reports.
    public var asDouble: Double {
        switch self {
        case .integer(let v): Double(v)
        case .real(let v): v
        }
    }
}
