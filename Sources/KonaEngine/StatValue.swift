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

    /// The value as a JSON number: integers exactly, reals in Swift's shortest round-trip
    /// form (whole reals below 1e15 as `N.0`), non-finite reals as `null`.
    public var json: String {
        switch self {
        case .integer(let v): String(v)
        case .real(let v): v.isFinite ? (v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) + ".0" : String(v)) : "null"
        }
    }
}
