/// The texts string signals have taken, by index (each distinct text stored once).
public final class SignalStrings {
    public private(set) var texts: [String] = []
    private var index: [String: UInt64] = [:]
    public init() {}
    /// The index of `text`, adding it if new.
    public func intern(_ text: String) -> UInt64 {
        if let i = index[text] { return i }
        let i = UInt64(texts.count)
        texts.append(text)
        index[text] = i
        return i
    }
}
