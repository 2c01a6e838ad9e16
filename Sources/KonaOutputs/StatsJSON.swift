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
            out += "  \"" + escape(entry.name) + "\": " + number(entry.value)
            out += i + 1 < sorted.count ? ",\n" : "\n"
        }
        return out + "}\n"
    }

    /// The JSON text of one value.
    public static func number(_ value: StatValue) -> String {
        switch value {
        case .integer(let v): String(v)
        case .real(let v): v.isFinite ? (v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) + ".0" : String(v)) : "null"
        }
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where c.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16)
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
