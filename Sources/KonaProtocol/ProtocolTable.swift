/// The transition table of one controller kind: data, not code.
///
/// Lookup is O(1) through a dense `(state, event)` index; a pair with no row is a
/// protocol error for whoever executes the table.
/// - Invariant: at most one row per `(state, event)` pair.
public struct ProtocolTable<State: ProtocolVocabulary, Event: ProtocolVocabulary, Action: ProtocolVocabulary>: Sendable {
    public typealias Row = ProtocolRow<State, Event, Action>

    /// The controller kind (`pc`, `llc`, `home`).
    public let name: String
    /// What the controller is.
    public let doc: String
    /// Rows in reading order (grouped by state).
    public let rows: [Row]
    @usableFromInline let index: [Int32]
    /// `Event.allCases.count`, kept: a synthesized `allCases` builds an array on every call.
    @usableFromInline let eventCount: Int
    /// Each row's next state, by row position (executors read these flat copies rather than
    /// copying a row with its arrays).
    public let nextStates: [State]
    /// Row `i`'s actions are `actionList[actionStarts[i] ..< actionStarts[i + 1]]`.
    public let actionStarts: [Int32]
    public let actionList: [Action]
    /// The same lookup data in raw buffers, for executors (`flat`).
    private let flatStorage: FlatRowStorage<State, Event, Action>
    /// The lookup data as buffers without reference counting, valid while this table lives.
    public var flat: FlatRows<State, Event, Action> { flatStorage.rows }

    /// A table of `rows`. Fails (precondition) on a duplicated `(state, event)` pair.
    public init(name: String, doc: String, rows: [Row]) {
        self.name = name
        self.doc = doc
        self.rows = rows
        var index = [Int32](repeating: -1, count: State.allCases.count * Event.allCases.count)
        for (i, row) in rows.enumerated() {
            let k = row.state.rawValue * Event.allCases.count + row.event.rawValue
            precondition(index[k] < 0, "\(name): two rows for (\(row.state.name), \(row.event.name))")
            index[k] = Int32(i)
        }
        self.index = index
        eventCount = Event.allCases.count
        nextStates = rows.map(\.next)
        var starts: [Int32] = [0]
        var list: [Action] = []
        for row in rows {
            list += row.actions
            starts.append(Int32(list.count))
        }
        actionStarts = starts
        actionList = list
        flatStorage = FlatRowStorage(index: index, eventCount: eventCount, nextStates: nextStates,
                                     actionStarts: starts, actionList: list)
    }

    /// The position of the row for `(state, event)` in `rows`, or nil.
    @inlinable @inline(__always)
    public func rowIndex(_ state: State, _ event: Event) -> Int? {
        let i = index[state.rawValue * eventCount + event.rawValue]
        return i < 0 ? nil : Int(i)
    }

    /// The row for `(state, event)`, or nil.
    public func row(_ state: State, _ event: Event) -> Row? { rowIndex(state, event).map { rows[$0] } }

    /// A copy with the row for `(state, event)` replaced (for tests that break a table on purpose).
    public func replacing(_ state: State, _ event: Event, actions: [Action], next: State) -> Self {
        Self(name: name, doc: doc, rows: rows.map { row in
            row.state == state && row.event == event
                ? Row(state: state, event: event, actions: actions, next: next, note: row.note + " (altered)")
                : row
        })
    }
}
