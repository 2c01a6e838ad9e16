/// One entry of a mapping value, canonical (`1` and `cpu0`; a resolved path), with where
/// its value was written.
public struct ConfigEntry: Sendable, Equatable {
    public var key: String
    public var value: String
    public var origin: Origin

    public init(key: String, value: String, origin: Origin) {
        self.key = key
        self.value = value
        self.origin = origin
    }
}
