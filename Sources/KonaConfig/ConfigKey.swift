/// One declared configuration key: its dotted path, type, default and meaning.
///
/// The loader, `validate --print-resolved` and `docs/config.md` all read these
/// declarations, so a key is described once.
public struct ConfigKey: Sendable {
    /// Dotted path, e.g. `core.l1d.size`.
    public let path: String
    public let type: ValueType
    /// The default as YAML text (parsed like any value); `nil` means empty (paths only).
    public let defaultText: String?
    /// What the key means, in one or two sentences.
    public let doc: String

    public init(_ path: String, _ type: ValueType, default defaultText: String?, _ doc: String) {
        self.path = path
        self.type = type
        self.defaultText = defaultText
        self.doc = doc
    }
}
