import KonaEngine
import KonaProtocol

/// Executes `LLCProtocol` for one socket: the directory of its cores (core-valid bits,
/// an owner) and the caching agent toward the home agents.
public final class LLCController: TableController {
    public typealias P = LLCProtocol
    static var stall: P.Action { .stall }
    static var invalid: P.State { .I }

    /// What the LLC records for a line.
    /// A line's record: 24 bytes (core numbers and counts are stored in 16 bits: a socket
    /// has at most 64 cores), so that an LLC full of lines costs 32 bytes a line in its map.
    public struct Line: Sendable, LineHolders {
        public var state: P.State = .I
        private var storedOwner: Int16 = -1
        private var storedRequester: Int16 = 0
        private var storedAcks: Int16 = 0
        public var data: UInt64 = 0
        /// Core-valid bits of cores holding a shared copy (local core numbers).
        public var sharers: UInt64 = 0
        /// The local core that owns the line (E or M in its complex), if any.
        public var owner: Int? {
            get { storedOwner < 0 ? nil : Int(storedOwner) }
            set { storedOwner = Int16(truncatingIfNeeded: newValue ?? -1) }
        }
        /// The local core whose request the current transaction serves.
        public var requester: Int {
            get { Int(storedRequester) }
            set { storedRequester = Int16(truncatingIfNeeded: newValue) }
        }
        /// Acks still expected from cores.
        public var acks: Int {
            get { Int(storedAcks) }
            set { storedAcks = Int16(truncatingIfNeeded: newValue) }
        }

        public init() {}

        public init(state: P.State = .I, data: UInt64 = 0, sharers: UInt64 = 0, owner: Int? = nil, requester: Int = 0,
                    acks: Int = 0) {
            self.state = state
            self.data = data
            self.sharers = sharers
            self.owner = owner
            self.requester = requester
            self.acks = acks
        }
    }

    public let socket: Int
    public let name: String
    /// Global index of this socket's first core; local core `k` is core `firstCore + k`.
    public let firstCore: Int
    public let cores: Int
    public let table: P.Table
    let rows: FlatRows<P.State, P.Event, P.Action>
    /// Where messages go (held unretained: the system or the tester keeps it alive).
    let network: UnretainedNetwork
    private let homeOf: (UInt64) -> Endpoint
    /// The lines this controller knows about (tests set them directly).
    public internal(set) var lines = LineMap<Line>()
    var parked = ParkedMessages()
    public var hasParked: Bool { parked.any }
    /// Events parked on `line`, waiting for its state to change.
    public func parkedCount(_ line: UInt64) -> Int { parked.count(line) }
    /// How often each row fired.
    public var coverage: RowCoverage { rowHits.coverage }
    let rowHits: RowHits
    /// Called after every transition.
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

    public init(socket: Int, firstCore: Int, cores: Int, table: P.Table, network: any CoherenceNetwork,
                homeOf: @escaping (UInt64) -> Endpoint) {
        precondition(cores <= 64, "at most 64 cores per socket (core-valid bits are one word)")
        self.socket = socket
        self.name = "llc\(socket)"
        self.firstCore = firstCore
        self.cores = cores
        self.table = table
        self.rows = table.flat
        self.network = UnretainedNetwork(network)
        self.homeOf = homeOf
        self.rowHits = RowHits(rows: table.rows.count)
    }

    /// The state of `line`.
    public func state(_ line: UInt64) -> P.State { lines[line]?.state ?? .I }

    /// The LLC replaces `line` (inclusive: its cores lose their copies).
    public func replace(_ line: UInt64) throws(ProtocolViolation) {
        try fire(.Replace, line: line, message: nil)
    }

    /// A message from a core or a home arrives.
    public func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        let line = message.line
        let found = lines.index(of: line)
        let entry = found >= 0 ? lines.value(at: found) : Line()
        let event: P.Event
        switch message.kind {
        case .GetS:
            let sender = local(message.source)
            if let owner = entry.owner, owner != sender {
                event = .GetS_Owned
            } else if entry.sharers & ~(1 << UInt64(sender)) == 0 {
                event = .GetS_Alone
            } else {
                event = .GetS
            }
        case .GetM:
            // A GetM says its sender holds no copy (it may have dropped one silently).
            let sender = local(message.source)
            lines.modify(line) { $0.sharers &= ~(1 << UInt64(sender)) }
            event = .GetM
        case .Upgrade:
            event = .GetM
        case .PutM, .PutE, .PutS:
            let sender = local(message.source)
            if entry.owner == sender && message.kind != .PutS {
                event = message.kind == .PutM ? .PutOwnerDirty : .PutOwnerClean
            } else if entry.owner == sender || entry.sharers & (1 << UInt64(sender)) != 0 {
                // A PutS from the owner: it was downgraded and its ack is still in flight.
                event = .PutSharer
            } else {
                event = .PutStale
            }
        case .InvAck, .DowngradeAck, .InvAckData, .DowngradeAckData:
            guard entry.acks > 0 else {
                throw ProtocolViolation(component: name, line: line, state: entry.state.name, event: "\(message.kind)",
                                        message: "unexpected ack: " + message.description)
            }
            lines.modify(line) { $0.acks -= 1 }
            let last = entry.acks == 1
            let data = message.kind == .InvAckData || message.kind == .DowngradeAckData
            event = last ? (data ? .LastAckData : .LastAck) : (data ? .AckData : .Ack)
        case .Unblock: event = .Unblock
        case .DataS: event = .DataS
        case .DataEx: event = .DataEx
        case .GntE: event = .GntE
        case .WbAck: event = .WbAck
        case .SnpInv: event = .SnpInv
        case .SnpData: event = .SnpData
        default:
            throw ProtocolViolation(component: name, line: line, state: entry.state.name, event: "\(message.kind)",
                                    message: "not a message for an LLC")
        }
        try fire(event, line: line, message: message, hint: found)
    }

    private func local(_ endpoint: Endpoint) -> Int {
        guard case .core(let c) = endpoint else { preconditionFailure("\(endpoint) is not a core") }
        return c - firstCore
    }

    /// Executes the row for `event` on `line`; a row that invalidates or downgrades cores
    /// but finds none to wait for continues at once with `LastAck` (internal: tests fire
    /// refined events directly).
    func fire(_ event: P.Event, line: UInt64, message: CoherenceMessage?, hint: Int = -1) throws(ProtocolViolation) {
        expectingAcks = false
        guard let t = try execute(event, line: line, message: message, hint: hint, prepare: { entry in
            if let message, event == .GetS || event == .GetS_Alone || event == .GetS_Owned || event == .GetM {
                entry.requester = self.local(message.source)
            }
        }) else { return }
        if expectingAcks && t.entry.acks == 0 {
            try fire(.LastAck, line: line, message: nil)       // nobody to wait for
        } else {
            try releaseParked(line, after: t)
        }
    }

    /// Whether the row being fired invalidated or downgraded cores (set by `perform`).
    private var expectingAcks = false

    func perform(_ action: P.Action, line: UInt64, entry: inout Line, message: CoherenceMessage?) {
        let me = Endpoint.llc(socket)
        func toCore(_ kind: MessageKind, _ local: Int, data: UInt64 = 0) {
            network.send(CoherenceMessage(kind, line: line, from: me, to: .core(firstCore + local), data: data))
        }
        func toHome(_ kind: MessageKind, data: UInt64 = 0) {
            network.send(CoherenceMessage(kind, line: line, from: me, to: homeOf(line), data: data))
        }
        func each(_ mask: UInt64, _ body: (Int) -> Void) {
            var m = mask
            while m != 0 {
                body(m.trailingZeroBitCount)
                m &= m - 1
            }
        }
        let sender: Int? = message.flatMap { if case .core(let c) = $0.source { c - firstCore } else { nil } }
        switch action {
        case .allocate, .countAck, .stall:
            break
        case .deallocate:
            break                                   // storage is freed when the state reaches I
        case .fill, .writeData:
            entry.data = message!.data
        case .grantS:
            toCore(.Data, entry.requester, data: entry.data)
            entry.addSharer(entry.requester)
        case .grantE:
            toCore(.DataE, entry.requester, data: entry.data)
            entry.removeSharer(entry.requester)
            entry.owner = entry.requester
        case .grantM:
            if entry.sharers & (1 << UInt64(entry.requester)) != 0 {
                toCore(.GntM, entry.requester)
            } else {
                toCore(.DataM, entry.requester, data: entry.data)
            }
            entry.makeOwner(entry.requester)
        case .invalidateOthers, .invalidateAll:
            expectingAcks = true
            var targets = entry.sharers
            if let owner = entry.owner { targets |= 1 << UInt64(owner) }
            if action == .invalidateOthers { targets &= ~(1 << UInt64(entry.requester)) }
            each(targets) { toCore(.Inv, $0) }
            entry.acks = targets.nonzeroBitCount
            entry.sharers &= ~targets
            if let owner = entry.owner, targets & (1 << UInt64(owner)) != 0 { entry.owner = nil }
        case .downgradeOwner:
            expectingAcks = true
            if let owner = entry.owner {
                toCore(.Downgrade, owner)
                entry.acks = 1
            } else {
                entry.acks = 0
            }
        case .ownerToSharer:
            entry.ownerToSharer()
        case .clearOwner:
            entry.owner = nil
        case .removeSharer:
            if let sender { entry.removeSharer(sender) }
        case .sendPutAck:
            if let sender { toCore(.PutAck, sender) }
        case .sendRdShared, .sendRdOwn, .sendUpgradeReq, .sendWbDirty, .sendWbClean, .sendWbShared,
             .sendRspI, .sendRspIWb, .sendRspS, .sendRspSWb, .sendCmpAck:
            let kind = P.homeMessage(of: action)!
            toHome(kind, data: kind.carriesData ? entry.data : 0)
        }
    }
}

extension LLCController.Line: TableLine {
    /// The record of a line held nowhere (state I).
    public static var empty: Self { Self() }
}

extension LLCController {
    /// The messages parked on `line` (`konasim verify` reads and restores a controller's contents).
    public func parkedMessages(_ line: UInt64) -> [CoherenceMessage] { parked.messages(line) }

    /// Everything the controller holds, as one value to save and put back.
    public struct Contents {
        var lines: LineMap<Line>
        var parked: ParkedMessages
    }

    public var contents: Contents {
        get { Contents(lines: lines, parked: parked) }
        set { (lines, parked) = (newValue.lines, newValue.parked) }
    }

    /// Replaces everything the controller holds for its lines.
    public func restore(lines records: [(UInt64, Line)], parked messages: [(UInt64, [CoherenceMessage])]) {
        lines.removeAll()
        for (line, record) in records where record.state != .I { lines[line] = record }
        parked.replace(with: messages)
    }
}
