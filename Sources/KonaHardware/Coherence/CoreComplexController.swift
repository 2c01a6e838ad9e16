import KonaEngine
import KonaProtocol

/// Executes `CoreComplexProtocol` for one core: per-line state and data, parked events,
/// messages to the socket LLC.
///
/// The core's operations (`load`, `store`, `evict`) and the LLC's messages are events of
/// one table; an operation completes through `onComplete` when its row performs it
/// (`hitLoad`, `fillStore`, ...), possibly much later.
public final class CoreComplexController: TableController {
    public typealias P = CoreComplexProtocol
    static var stall: P.Action { .stall }
    static var invalid: P.State { .I }

    /// A line's coherence state and value.
    public struct Line: Sendable {
        public var state: P.State = .I
        public var data: UInt64 = 0
    }

    /// The operation a core waits for on a line.
    public enum Operation: Sendable, Equatable {
        case load
        case store(value: UInt64)
    }

    public let index: Int
    public let name: String
    public let llc: Endpoint
    public let table: P.Table
    let rows: FlatRows<P.State, P.Event, P.Action>
    /// Where messages go (held unretained: the system or the tester keeps it alive).
    let network: UnretainedNetwork
    /// Lines this complex knows about.
    /// The lines this controller knows about (tests set them directly).
    public internal(set) var lines = LineMap<Line>()
    /// The operation waiting on each line (tests set it directly).
    var pending = LineMap<Operation>()
    var parked = ParkedMessages()
    public var hasParked: Bool { parked.any }
    /// Events parked on `line`, waiting for its state to change.
    public func parkedCount(_ line: UInt64) -> Int { parked.count(line) }
    /// How often each row fired.
    public var coverage: RowCoverage { rowHits.coverage }
    let rowHits: RowHits
    /// Called when an operation performs: (line, operation, value read or written).
    public var onComplete: ((UInt64, Operation, UInt64) -> Void)?
    /// Called after every transition (for invariant checks and event logs).
    public var onTransition: ((UInt64, P.State, P.Event, P.State) -> Void)? {
        get { transitionBox?.closure }
        set {
            transitionBox = newValue.map(TransitionBox.init)
            onTransitionHook = transitionBox.map { Unmanaged.passUnretained($0) }
        }
    }
    /// `onTransition` in its box (see `TransitionHook`), and the box unretained for the executor.
    private var transitionBox: TransitionBox?
    private(set) var onTransitionHook: Unmanaged<TransitionBox>?
    final class TransitionBox: TransitionHook {
        let closure: (UInt64, P.State, P.Event, P.State) -> Void
        init(_ closure: @escaping (UInt64, P.State, P.Event, P.State) -> Void) { self.closure = closure }
        @inline(__always) func call(_ line: UInt64, _ before: P.State, _ event: P.Event, _ after: P.State) {
            closure(line, before, event, after)
        }
    }

    public init(index: Int, llc: Endpoint, table: P.Table, network: any CoherenceNetwork) {
        self.index = index
        self.name = "core\(index)"
        self.llc = llc
        self.table = table
        self.rows = table.flat
        self.network = UnretainedNetwork(network)
        self.rowHits = RowHits(rows: table.rows.count)
    }

    /// The state of `line`.
    public func state(_ line: UInt64) -> P.State { lines[line]?.state ?? .I }
    /// Whether an operation on `line` is waiting.
    public func isBusy(_ line: UInt64) -> Bool { pending[line] != nil }

    /// The core loads from `line`.
    public func load(_ line: UInt64) throws(ProtocolViolation) {
        pending[line] = .load
        try fire(.Load, line: line, message: nil)
    }

    /// The core stores the fresh `value` to `line`.
    public func store(_ line: UInt64, value: UInt64) throws(ProtocolViolation) {
        pending[line] = .store(value: value)
        try fire(.Store, line: line, message: nil)
    }

    /// The complex replaces `line`.
    public func evict(_ line: UInt64) throws(ProtocolViolation) {
        try fire(.Evict, line: line, message: nil)
    }

    /// A message from the LLC arrives.
    public func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        let event: P.Event
        switch message.kind {
        case .Data: event = .Data
        case .DataE: event = .DataE
        case .DataM: event = .DataM
        case .GntM: event = .GntM
        case .PutAck: event = .PutAck
        case .Inv: event = .Inv
        case .Downgrade: event = .Downgrade
        default:
            throw ProtocolViolation(component: name, line: message.line, state: state(message.line).name,
                                    event: "\(message.kind)", message: "not a message for a core")
        }
        try fire(event, line: message.line, message: message)
    }

    func perform(_ action: P.Action, line: UInt64, entry: inout Line, message: CoherenceMessage?) {
        func send(_ kind: MessageKind, data: UInt64 = 0) {
            network.send(CoherenceMessage(kind, line: line, from: .core(index), to: llc, data: data))
        }
        switch action {
        case .hitLoad:
            complete(line, value: entry.data)
        case .hitStore:
            if case .store(let value)? = pending[line] { entry.data = value }
            complete(line, value: entry.data)
        case .fillLoad:
            entry.data = message!.data
            complete(line, value: entry.data)
        case .fillStore:
            entry.data = message!.data
            if case .store(let value)? = pending[line] { entry.data = value }
            complete(line, value: entry.data)
        case .dropLine: break          // storage is freed when the state reaches I
        case .stall: break
        default:
            guard let kind = P.message(of: action) else { preconditionFailure("action \(action.name) does nothing") }
            send(kind, data: kind.carriesData ? entry.data : 0)
        }
    }

    private func complete(_ line: UInt64, value: UInt64) {
        guard let operation = pending.removeValue(forKey: line) else { return }
        onComplete?(line, operation, value)
    }
}

extension CoreComplexController.Line: TableLine {
    /// The record of a line held nowhere (state I).
    public static var empty: Self { Self() }
}

extension CoreComplexController {
    /// The operation waiting on `line`, and the messages parked on it (`konasim verify`
    /// reads a controller's whole contents, and restores them with `restore`).
    public func pendingOperation(_ line: UInt64) -> Operation? { pending[line] }
    public func parkedMessages(_ line: UInt64) -> [CoherenceMessage] { parked.messages(line) }

    /// Everything the controller holds, as one value to save and put back (copies share
    /// storage until changed).
    public struct Contents {
        var lines: LineMap<Line>
        var pending: LineMap<Operation>
        var parked: ParkedMessages
    }

    public var contents: Contents {
        get { Contents(lines: lines, pending: pending, parked: parked) }
        set { (lines, pending, parked) = (newValue.lines, newValue.pending, newValue.parked) }
    }

    /// Replaces everything the controller holds for its lines.
    public func restore(lines records: [(UInt64, Line)], pending operations: [(UInt64, Operation)],
                        parked messages: [(UInt64, [CoherenceMessage])]) {
        lines.removeAll()
        for (line, record) in records where record.state != .I { lines[line] = record }
        pending.removeAll()
        for (line, operation) in operations { pending[line] = operation }
        parked.replace(with: messages)
    }
}
