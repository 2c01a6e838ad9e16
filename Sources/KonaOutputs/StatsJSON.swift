import KonaEngine

/// Writes statistics as one flat JSON object of dotted names, keys sorted, one per line.
///
/// Integers print exactly; reals print in Swift's shortest round-trip form, so the same
/// run always produces the same bytes.
public enum StatsJSON {
    /// The JSON text (with a trailing newline).
    public static func render(_ values: [(name: String, value: StatValue)]) -> String {
        var out = "{\n"
        let sorted = values.sorted { $0.name < $1.name }
        for (i, entry) in sorted.enumerated() {
            out += "  \"" + JSONString.escape(entry.name) + "\": " + entry.value.json
            out += i + 1 < sorted.count ? ",\n" : "\n"
        }
        return out + "}\n"
    }
}
