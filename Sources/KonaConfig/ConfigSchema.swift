/// A set of declared keys, with the sections (dotted prefixes) they imply.
public struct ConfigSchema: Sendable {
    /// Keys in declaration order (also the order of printed configs and docs).
    public let keys: [ConfigKey]
    /// One-line descriptions of sections, by path.
    public let sections: [String: String]
    private let index: [String: Int]
    /// Every section path (`core`, `core.l1d`), derived from the keys.
    public let sectionPaths: Set<String>

    public init(keys: [ConfigKey], sections: [String: String]) {
        self.keys = keys
        self.sections = sections
        var index: [String: Int] = [:]
        var sectionPaths: Set<String> = []
        for (i, key) in keys.enumerated() {
            precondition(index.updateValue(i, forKey: key.path) == nil, "config key \(key.path) declared twice")
            // Its sections, innermost first; a section already there brought its own. (Through
            // the UTF-8 view: a search by Character costs hundreds of instructions a step.)
            var end = key.path.utf8.endIndex
            while let dot = key.path.utf8[..<end].lastIndex(of: UInt8(ascii: ".")),
                  sectionPaths.insert(String(key.path[..<dot])).inserted {
                end = dot
            }
        }
        self.index = index
        self.sectionPaths = sectionPaths
    }

    /// The key at `path`, if declared.
    public func key(_ path: String) -> ConfigKey? { index[path].map { keys[$0] } }

    /// The declared key or section closest to `path` by edit distance, for "did you mean".
    public func suggestion(for path: String) -> String? {
        let candidates = Array(index.keys) + Array(sectionPaths)
        let scored = candidates.map { ($0, editDistance($0, path)) }
        guard let best = scored.min(by: { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }) else { return nil }
        let last = path.split(separator: ".").last.map(String.init) ?? path
        // Also accept a key with the same last component in another section.
        if best.1 > max(2, path.count / 3) {
            return candidates.filter { $0.split(separator: ".").last.map(String.init) == last }.sorted().first
        }
        return best.0
    }
}
