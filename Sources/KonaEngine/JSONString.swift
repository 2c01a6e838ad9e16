/// JSON string literals (RFC 8259): the one escaper of every JSON KonaSim writes (statistics,
/// sweep rows). Quote and backslash are escaped, control characters below U+0020 become
/// `\u00XX` (lowercase hex), everything else (non-ASCII too) is written as is. O(n).
public enum JSONString {
    /// `text` escaped for use between double quotes.
    public static func escape(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where c.value < 0x20:
                let digits = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `text` as a quoted JSON string.
    public static func quoted(_ text: String) -> String { "\"" + escape(text) + "\"" }
}
