import KonaConfig
import KonaEngine

/// One point's result row as the flat JSON object `konasim sweep-point` prints and a
/// results file stores: point, repeat, seed, the axis values, the metrics, the KonaSim
/// version and the FNV-1a hash of the point's resolved config.
public struct SweepRow {
    public var point: SweepSpec.Point
    public var seed: UInt64
    /// Each metric's name and value, in the sweep's order.
    public var metrics: [(name: String, value: StatValue)]
    public var version: String
    /// The point's resolved config as YAML (what `config_hash` hashes).
    public var resolvedYAML: String

    public init(point: SweepSpec.Point, seed: UInt64, metrics: [(name: String, value: StatValue)], version: String, resolvedYAML: String) {
        self.point = point
        self.seed = seed
        self.metrics = metrics
        self.version = version
        self.resolvedYAML = resolvedYAML
    }

    /// The row as one line of JSON (no newline).
    public var json: String {
        var row: [(String, String)] = [("point", String(point.index)), ("repeat", String(point.repeatIndex)), ("seed", String(seed))]
        for a in point.assignments { row.append((a.key, JSONString.quoted(a.text))) }
        for m in metrics { row.append((m.name, m.value.json)) }
        row.append(("version", JSONString.quoted(version)))
        var hash = FNV1a()
        hash.combine(resolvedYAML.utf8)
        row.append(("config_hash", JSONString.quoted(hash.hex)))
        return "{" + row.map { "\(JSONString.quoted($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }
}
