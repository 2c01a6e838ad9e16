import KonaProtocol

/// A controller's record of one line: at least its state (I when it holds nothing).
protocol TableLine {
    associatedtype State: ProtocolVocabulary
    init()
    var state: State { get set }
}

/// A controller that executes a protocol table: the one executor of tables, shared by the
/// three controllers that the timed system and the random tester run and that
/// `konasim verify` explores. Each controller supplies only its table, where it keeps its
/// lines and parked messages, and what its actions do; `execute` is the step itself.
protocol TableController: AnyObject {
    associatedtype Line: TableLine
    associatedtype Event: ProtocolVocabulary
    associatedtype Action: ProtocolVocabulary
    typealias State = Line.State
    var name: String { get }
    var table: ProtocolTable<State, Event, Action> { get }
    var lines: LineMap<Line> { get set }
    var parked: ParkedMessages { get set }
    var coverage: RowCoverage { get set }
    /// Whether any message is parked (`parked.any`, read in place: through the protocol's
    /// getter `parked` would be copied, retaining its storage, on every step).
    var hasParked: Bool { get }
    var onTransition: ((UInt64, State, Event, State) -> Void)? { get }
    /// The action of rows that only park their event, and the state of a line held nowhere.
    static var stall: Action { get }
    static var invalid: State { get }
    /// Performs `action` of the row being fired on `line`, whose record is `entry`.
    func perform(_ action: Action, line: UInt64, entry: inout Line, message: CoherenceMessage?)
    /// A message arrives (parked messages come back through it).
    func receive(_ message: CoherenceMessage) throws(ProtocolViolation)
}

/// A transition `execute` made: the row, the states before and after, and the line's record.
struct Transition<Line: TableLine> {
    var row: Int
    var before: Line.State
    var next: Line.State
    var entry: Line
}

extension TableController {
    /// Executes the row for `event` on `line`: looks it up (a missing row is a protocol
    /// violation), parks `message` if the row is a stall (nil is returned), else runs
    /// `prepare` and the row's actions on the line's record, moves it to the row's next state
    /// (dropping the record in I) and reports the transition.
    @inline(__always)
    func execute(_ event: Event, line: UInt64, message: CoherenceMessage?,
                 prepare: (inout Line) -> Void = { _ in }) throws(ProtocolViolation) -> Transition<Line>? {
        var entry = lines[line] ?? Line()
        let before = entry.state
        let r = try table.lookup(before, event, component: name, line: line, message: message, coverage: &coverage)
        if table.isStall(r, Self.stall) {
            parked.park(message!, on: line)
            onTransition?(line, before, event, before)
            return nil
        }
        prepare(&entry)
        for k in table.actions(of: r) { perform(table.actionList[k], line: line, entry: &entry, message: message) }
        let next = table.nextStates[r]
        entry.state = next
        if next == Self.invalid { lines[line] = nil } else { lines[line] = entry }
        onTransition?(line, before, event, next)
        return Transition(row: r, before: before, next: next, entry: entry)
    }

    /// After a transition that changed the line's state, the messages parked on it arrive
    /// again, in order.
    @inline(__always)
    func releaseParked(_ line: UInt64, after transition: Transition<Line>) throws(ProtocolViolation) {
        if transition.next != transition.before && hasParked {
            for message in parked.release(line) { try receive(message) }
        }
    }

    /// `execute`, then `releaseParked`: the whole step of a controller without special cases.
    @inline(__always)
    func fire(_ event: Event, line: UInt64, message: CoherenceMessage?,
              prepare: (inout Line) -> Void = { _ in }) throws(ProtocolViolation) {
        if let t = try execute(event, line: line, message: message, prepare: prepare) { try releaseParked(line, after: t) }
    }
}
