import KonaProtocol

/// A transition `execute` made: the row, the states before and after, and the line's record.
struct Transition<Line: TableLine> {
    var row: Int
    var before: Line.State
    var next: Line.State
    var entry: Line
}
