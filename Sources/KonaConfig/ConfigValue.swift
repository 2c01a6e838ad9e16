/// A typed, validated configuration value in its base unit.
public enum ConfigValue: Sendable, Equatable {
    case integer(Int64)
    case real(Double)
    /// Bytes, picoseconds, hertz or bits per second, by the key's type.
    case quantity(UInt64)
    case string(String)
    case boolean(Bool)
    /// A mapping (`threadPlacement`, `coreTraces`), in the order written.
    case entries([ConfigEntry])
}
