/// Chooses traced signals by path with globs: `*` matches any text (dots included), `?`
/// one character; several globs are alternatives.
public struct SignalSelection: Sendable {
    /// The globs.
    public let globs: [String]

    public init(_ globs: [String]) { self.globs = globs }

    /// Whether `path` matches one of the globs.
    public func selects(_ path: String) -> Bool {
        globs.contains { Self.matches(Array($0.utf8), Array(path.utf8)) }
    }

    /// Glob matching with backtracking over the last `*`; O(|pattern| * |text|) worst case.
    static func matches(_ p: [UInt8], _ t: [UInt8]) -> Bool {
        var i = 0, j = 0, star = -1, mark = 0
        while j < t.count {
            if i < p.count && (p[i] == UInt8(ascii: "?") || p[i] == t[j]) {
                i += 1; j += 1
            } else if i < p.count && p[i] == UInt8(ascii: "*") {
                star = i; mark = j; i += 1
            } else if star >= 0 {
                i = star + 1; mark += 1; j = mark
            } else {
                return false
            }
        }
        while i < p.count && p[i] == UInt8(ascii: "*") { i += 1 }
        return i == p.count
    }
}
