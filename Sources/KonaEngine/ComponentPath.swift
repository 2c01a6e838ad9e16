/// Path helpers for the component hierarchy.
public enum ComponentPath {
    /// Whether `path` names a valid component: non-empty dot-separated parts of
    /// letters, digits and `_`.
    public static func isValid(_ path: String) -> Bool {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        }
    }
}
