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
