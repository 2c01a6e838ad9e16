/// How often each row of a controller's table fired, counted in a buffer the controller owns:
/// the executor adds in place, without the uniqueness check that changing an array's element
/// costs on every step. `coverage` is the counts as a value.
final class RowHits {
    private let counts: UnsafeMutablePointer<Int>
    private let rows: Int

    init(rows: Int) {
        self.rows = rows
        counts = .allocate(capacity: max(rows, 1))
        counts.initialize(repeating: 0, count: rows)
    }

    deinit { counts.deallocate() }

    /// Row `r` fired once more.
    @inline(__always) func hit(_ r: Int) { counts[r] &+= 1 }

    /// The counts so far.
    var coverage: RowCoverage { RowCoverage(hits: Array(UnsafeBufferPointer(start: counts, count: rows))) }
}
