/// A name in a protocol's vocabulary (a state, an event or an action) with a one-line
/// description. Implemented by `Int`-backed enums so tables index them directly.
public protocol ProtocolVocabulary: CaseIterable, Hashable, Sendable, RawRepresentable where RawValue == Int {
    /// The textbook spelling (`IS_D`, `GetS`, `sendInvAck`).
    var name: String { get }
    /// What it means, in one line.
    var doc: String { get }
}

extension ProtocolVocabulary {
    public var name: String { String(describing: self) }
}
