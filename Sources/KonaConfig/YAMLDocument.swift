import Yams

/// YAML composed without Yams' default tag resolution. The loader reads every scalar as
/// text against the schema's types, so it needs only to know a null: a plain `~`, `null`,
/// `Null`, `NULL` or empty scalar (YAML's core schema), or one tagged `!!null`. The default
/// resolver compiles seven regular expressions (9 M instructions, a fifth of a run's
/// start-up) and matches every scalar against them.
enum YAMLDocument {
    /// The node tree of `text` (nil for an empty document); scalars keep their text.
    static func compose(_ text: String) throws -> Node? { try Yams.compose(yaml: text, .basic) }

    /// Whether `scalar` is a YAML null.
    static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.tag.rawValue == Tag.Name.null.rawValue || scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
