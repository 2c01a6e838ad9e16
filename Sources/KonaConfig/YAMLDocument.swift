import Yams

/// YAML composed without Yams' default tag resolver, constructor and encoding look-up. The
/// loader reads every scalar as text against the key's type, so it needs none of them: the
/// default resolver compiles seven regular expressions (9 M instructions, a fifth of a run's
/// start-up), and the default constructor's tables and the encoding's look-up in the
/// environment cost another 1 M.
enum YAMLDocument {
    /// The node tree of UTF-8 `text` (nil for an empty document); scalars keep their text.
    static func compose(_ text: String) throws -> Node? {
        try Yams.compose(yaml: text, .basic, Constructor([:], [:], [:]), .utf8)
    }

    /// Whether `scalar` is tagged `!!null` (a plain `~` or `null` is text, as ever).
    static func isNull(_ scalar: Node.Scalar) -> Bool { scalar.tag.rawValue == Tag.Name.null.rawValue }
}
