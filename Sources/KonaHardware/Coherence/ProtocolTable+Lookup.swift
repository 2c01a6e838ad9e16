import KonaEngine
import KonaProtocol

extension ProtocolTable {
    /// The position of the row for `(state, event)`, counted in `coverage`.
    /// - Throws: `ProtocolViolation` naming `component`, the line, the state and the event
    ///   when the table has no such row.
    @inline(__always)
    func lookup(_ state: State, _ event: Event, component: String, line: UInt64, message: CoherenceMessage?,
                coverage: inout RowCoverage) throws(ProtocolViolation) -> Int {
        guard let index = rowIndex(state, event) else {
            throw ProtocolViolation(component: component, line: line, state: state.name, event: event.name,
                                    message: message?.description)
        }
        coverage.hit(index)
        return index
    }

    /// Positions in `actionList` of row `r`'s actions.
    @inline(__always)
    func actions(of r: Int) -> Range<Int> { Int(actionStarts[r]) ..< Int(actionStarts[r + 1]) }

    /// Whether row `r` only parks its event (its one action is `stall`).
    @inline(__always)
    func isStall(_ r: Int, _ stall: Action) -> Bool { actionStarts[r + 1] - actionStarts[r] == 1 && actionList[Int(actionStarts[r])] == stall }
}
