import KonaEngine
import KonaProtocol

/// Per-controller counts of how often each table row fired.
public struct RowCoverage: Sendable {
    public private(set) var hits: [Int]
    public init(rows: Int) { hits = [Int](repeating: 0, count: rows) }
    init(hits: [Int]) { self.hits = hits }
    /// Adds another controller's counts (same table).
    public mutating func merge(_ other: RowCoverage) {
        for i in hits.indices { hits[i] += other.hits[i] }
    }
}
