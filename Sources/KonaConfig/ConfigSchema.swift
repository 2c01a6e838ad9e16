/// The type of a configuration value, which decides how its YAML text is read and printed.
public enum ValueType: Sendable {
    /// A whole number in a range.
    case integer(ClosedRange<Int64>)
    /// A real number in a range.
    case real(ClosedRange<Double>)
    /// A size in bytes (`32KiB`), at least `min`; optionally a power of two.
    case bytes(min: UInt64, powerOfTwo: Bool)
    /// A time (`70ns`), stored in picoseconds.
    case duration
    /// A frequency (`2.4GHz`), stored in hertz.
    case frequency
    /// A bandwidth (`100Gbps`, `12.5GB/s`), stored in bits per second.
    case bandwidth
    /// One of a closed set of words.
    case choice([String])
    /// A file path, resolved relative to the file that sets it.
    case path
    /// Free text (a glob list, a time range).
    case text
    /// `true` or `false`.
    case boolean
    /// Where a trace's threads run: `round_robin`, or a mapping of Valgrind thread ids to
    /// cores (`{1: cpu0, 3: cpu1}`).
    case threadPlacement
    /// A mapping of cores to trace files (`{cpu0: a.lackey, cpu1: b.lackey}`), each path
    /// resolved relative to the file that sets it; empty for none.
    case coreTraces
    /// A whole number in a range drawn per use: fixed (`4`) or `{uniform: [a, b]}`
    /// (`CountDistribution`; stored as its canonical text).
    case distribution(ClosedRange<Int64>)

    /// How the type is named in docs and errors.
    public var name: String {
        switch self {
        case .integer(let r): "integer (\(r.lowerBound)...\(r.upperBound == Int64.max ? "" : String(r.upperBound)))"
        case .real(let r): "real (\(r.lowerBound)...\(r.upperBound))"
        case .bytes(_, let p): p ? "size, power of two" : "size"
        case .duration: "time"
        case .frequency: "frequency"
        case .bandwidth: "bandwidth"
        case .choice(let c): "one of " + c.joined(separator: ", ")
        case .path: "path"
        case .text: "text"
        case .boolean: "boolean"
        case .threadPlacement: "round_robin, or a mapping of thread ids to cores"
        case .coreTraces: "mapping of cores to paths"
        case .distribution(let r): "integer (\(r.lowerBound)...\(r.upperBound == Int64.max ? "" : String(r.upperBound))) or {uniform: [a, b]}"
        }
    }

    /// Whether a value is a mapping (written as a YAML mapping, or inline as `{k: v}`).
    public var isMapping: Bool {
        switch self {
        case .threadPlacement, .coreTraces: true
        default: false
        }
    }

    /// The unit the docs show.
    public var unit: String {
        switch self {
        case .bytes: "bytes (B, KiB, MiB, GiB; KB, MB, GB)"
        case .duration: "ps, ns, us, ms, s"
        case .frequency: "Hz, kHz, MHz, GHz"
        case .bandwidth: "bps, Mbps, Gbps; B/s, MB/s, GB/s"
        default: ""
        }
    }
}

/// A typed, validated configuration value in its base unit.
public enum ConfigValue: Sendable, Equatable {
    case integer(Int64)
    case real(Double)
    /// Bytes, picoseconds, hertz or bits per second, by the key's type.
    case quantity(UInt64)
    case string(String)
    case boolean(Bool)
    /// A mapping (`threadPlacement`, `coreTraces`), in the order written.
    case entries([ConfigEntry])
}

/// One entry of a mapping value, canonical (`1` and `cpu0`; a resolved path), with where
/// its value was written.
public struct ConfigEntry: Sendable, Equatable {
    public var key: String
    public var value: String
    public var origin: Origin

    public init(key: String, value: String, origin: Origin) {
        self.key = key
        self.value = value
        self.origin = origin
    }
}

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
            precondition(index[key.path] == nil, "config key \(key.path) declared twice")
            index[key.path] = i
            var parts = key.path.split(separator: ".").dropLast()
            while !parts.isEmpty {
                sectionPaths.insert(parts.joined(separator: "."))
                parts = parts.dropLast()
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

/// Levenshtein distance; O(|a| * |b|).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(1, a.count) where !a.isEmpty {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...max(1, b.count) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}
