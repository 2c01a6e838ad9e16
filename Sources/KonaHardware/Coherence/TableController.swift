import KonaEngine
import KonaProtocol

/// A controller that executes a protocol table: the one executor of tables, shared by the
/// three controllers that the timed system and the random tester run and that
/// `konasim verify` explores. Each controller supplies only its table, where it keeps its
/// lines and parked messages, and what its actions do; `execute` is the step itself.
protocol TableController: AnyObject {
    associatedtype Line: TableLine
    associatedtype Event: ProtocolVocabulary
    associatedtype Action: ProtocolVocabulary
    associatedtype Hook: TransitionHook where Hook.State == State, Hook.Event == Event
    typealias State = Line.State
    var name: String { get }
    var table: ProtocolTable<State, Event, Action> { get }
    /// `table.flat`, kept by the controller: read on every step without reference counting.
    var rows: FlatRows<State, Event, Action> { get }
    var lines: LineMap<Line> { get set }
    var parked: ParkedMessages { get set }
    /// How often each row fired (`coverage` is their value).
    var rowHits: RowHits { get }
    /// Whether any message is parked (`parked.any`, read in place: through the protocol's
    /// getter `parked` would be copied, retaining its storage, on every step).
    var hasParked: Bool { get }
    /// The controller's `onTransition` hook in its box, unretained: what the executor calls.
    var onTransitionHook: Unmanaged<Hook>? { get }
    /// The action of rows that only park their event, and the state of a line held nowhere.
    static var stall: Action { get }
    static var invalid: State { get }
    /// Performs `action` of the row being fired on `line`, whose record is `entry`.
    func perform(_ action: Action, line: UInt64, entry: inout Line, message: CoherenceMessage?)
    /// A message arrives (parked messages come back through it).
    func receive(_ message: CoherenceMessage) throws(ProtocolViolation)
}
