import KonaEngine
import KonaProtocol

/// Executes `HomeProtocol`: a directory per line (sharer sockets, owner socket) in front
/// of the memory that holds the lines' values.
public final class DirectoryController: TableController {
    public typealias P = HomeProtocol
    static var stall: P.Action { .stall }
    static var invalid: P.State { .I }

    /// The directory entry of a line.
    /// A line's record: 24 bytes (socket numbers and counts are stored in 16 bits), so
    /// that a directory tracking every line of a large LLC costs 32 bytes a line in its map.
    public struct Line: Sendable, LineHolders {
        public var state: P.State = .I
        private var storedOwner: Int16 = -1
        private var storedRequester: Int16 = 0
        private var storedResponses: Int16 = 0
        /// Sockets holding a shared copy.
        public var sharers: UInt64 = 0
        /// The data the current transaction will send.
        public var data: UInt64 = 0
        /// The socket that owns the line, if any.
        public var owner: Int? {
            get { storedOwner < 0 ? nil : Int(storedOwner) }
            set { storedOwner = Int16(truncatingIfNeeded: newValue ?? -1) }
        }
        /// The socket whose request the current transaction serves.
        public var requester: Int {
            get { Int(storedRequester) }
            set { storedRequester = Int16(truncatingIfNeeded: newValue) }
        }
        /// Snoop responses still expected.
        public var responses: Int {
            get { Int(storedResponses) }
            set { storedResponses = Int16(truncatingIfNeeded: newValue) }
        }

        public init() {}

        public init(state: P.State = .I, sharers: UInt64 = 0, owner: Int? = nil, requester: Int = 0, responses: Int = 0,
                    data: UInt64 = 0) {
            self.state = state
            self.sharers = sharers
            self.owner = owner
            self.requester = requester
            self.responses = responses
            self.data = data
        }
    }

    public let index: Int
    public let name: String
    public let table: P.Table
    let rows: FlatRows<P.State, P.Event, P.Action>
    /// Where messages go (held unretained: the system or the tester keeps it alive).
    let network: UnretainedNetwork
    /// The lines this controller knows about (tests set them directly).
    public internal(set) var lines = LineMap<Line>()
    /// The memory: each line's value (0 until first written back), unless `values` keeps them.
    public internal(set) var memory = LineMap<UInt64>()
    /// Where the lines' values live when not in `memory` (the FPGA keeps them in FMem's frames).
    public var values: (any LineValueStore)?
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
    /// Called for each memory read and write (line, isWrite), for timing and statistics.
    public var onMemoryAccess: ((UInt64, Bool) -> Void)? {
        get { memoryAccessBox?.closure }
        set {
            memoryAccessBox = newValue.map(MemoryAccessBox.init)
            memoryAccessHook = memoryAccessBox.map { Unmanaged.passUnretained($0) }
        }
    }
    /// `onMemoryAccess` in a box, and the box unretained for `perform`: a closure read from a
    /// variable is retained and released around every call.
    private var memoryAccessBox: MemoryAccessBox?
    private var memoryAccessHook: Unmanaged<MemoryAccessBox>?
    private final class MemoryAccessBox {
        let closure: (UInt64, Bool) -> Void
        init(_ closure: @escaping (UInt64, Bool) -> Void) { self.closure = closure }
    }
    /// Called when a line is granted exclusively (E or M) to a socket.
    public var onOwnershipGranted: ((UInt64) -> Void)?
    /// Called when a recalled line is back home (no socket holds it).
    public var onRecalled: ((UInt64) -> Void)?
    /// Whether a line's memory (its FMem block) is present; nil: always. A non-inclusive FPGA
    /// sets it: an owner's dirty writeback of a line whose block is out is `WbOwnerDirty_Released`.
    public var lineBacked: ((UInt64) -> Bool)?
    /// Called for a dirty writeback that goes straight to remote memory (line, value).
    public var onRemoteWrite: ((UInt64, UInt64) -> Void)?

    public init(index: Int, table: P.Table, network: any CoherenceNetwork) {
        self.index = index
        self.name = "home\(index)"
        self.table = table
        self.rows = table.flat
        self.network = UnretainedNetwork(network)
        self.rowHits = RowHits(rows: table.rows.count)
    }

    /// Whether the line has parked messages or is in a transaction.
    public static func isStable(_ state: P.State) -> Bool { state == .I || state == .S || state == .EM }

    /// The directory state of `line`.
    public func state(_ line: UInt64) -> P.State { lines[line]?.state ?? .I }

    /// A message from a caching agent arrives.
    public func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        let line = message.line
        let entry = lines[line] ?? Line()
        guard case .llc(let s) = message.source else {
            throw ProtocolViolation(component: name, line: line, state: entry.state.name, event: "\(message.kind)",
                                    message: "homes hear only from caching agents")
        }
        let bit: UInt64 = 1 << UInt64(s)
        let others = entry.sharers & ~bit
        let event: P.Event
        switch message.kind {
        case .RdShared:
            if let owner = entry.owner, owner != s { event = .RdShared_Owned }
            else if others == 0 { event = .RdShared_Alone }
            else { event = .RdShared }
        case .RdOwn, .UpgradeReq:
            if let owner = entry.owner, owner != s { event = .RdOwn_Owned }
            else if message.kind == .UpgradeReq && entry.sharers & bit != 0 { event = others == 0 ? .Upgrade_Alone : .Upgrade_Shared }
            else if others != 0 { event = .RdOwn_Shared }
            else { event = .RdOwn_Alone }
        case .WbDirty, .WbClean, .WbShared:
            if entry.owner == s && message.kind != .WbShared {
                if message.kind == .WbDirty { event = lineBacked?(line) == false ? .WbOwnerDirty_Released : .WbOwnerDirty }
                else { event = .WbOwnerClean }
            } else if entry.sharers & bit != 0 {
                event = others == 0 ? .WbLastSharer : .WbSharer
            } else {
                event = .WbStale
            }
        case .CmpAck:
            event = .CmpAck
        case .RspI, .RspIWb, .RspS, .RspSWb:
            guard entry.responses > 0 else {
                throw ProtocolViolation(component: name, line: line, state: entry.state.name, event: "\(message.kind)",
                                        message: "unexpected snoop response: " + message.description)
            }
            lines[line]!.responses -= 1
            if entry.responses > 1 {
                event = .Rsp
            } else {
                switch message.kind {
                case .RspI: event = .LastRspI
                case .RspIWb: event = .LastRspIData
                case .RspS: event = .LastRspS
                default: event = .LastRspSData
                }
            }
        default:
            throw ProtocolViolation(component: name, line: line, state: entry.state.name, event: "\(message.kind)",
                                    message: "not a message for a home")
        }
        try fire(event, line: line, message: message, sender: s)
    }

    /// Executes the row for `event` on `line`; a request's sender becomes the line's
    /// requester (internal: tests fire refined events directly).
    func fire(_ event: P.Event, line: UInt64, message: CoherenceMessage?, sender: Int) throws(ProtocolViolation) {
        try fire(event, line: line, message: message) { entry in
            switch message?.kind {
            case .RdShared?, .RdOwn?, .UpgradeReq?: entry.requester = sender
            default: break
            }
        }
    }

    /// The FPGA's eviction engine takes `line` back from the sockets (`Recall`); the line is
    /// home when `onRecalled` is called for it. A recall has no requester: the entry's is
    /// cleared (-1), not left over from the line's last request.
    public func recall(_ line: UInt64) throws(ProtocolViolation) {
        try fire(.Recall, line: line, message: nil) { entry in entry.requester = -1 }
    }

    /// A non-inclusive FPGA's eviction engine evicts `line`'s FMem block while the sockets
    /// keep the line (`Release`): the entry stays as it is.
    public func release(_ line: UInt64) throws(ProtocolViolation) {
        try fire(.Release, line: line, message: nil) { _ in }
    }

    func perform(_ action: P.Action, line: UInt64, entry: inout Line, message: CoherenceMessage?) {
        let me = Endpoint.home(index)
        let sender: Int = if case .llc(let s)? = message?.source { s } else { -1 }
        func send(_ kind: MessageKind, to socket: Int, data: UInt64 = 0) {
            network.send(CoherenceMessage(kind, line: line, from: me, to: .llc(socket), data: data))
        }
        switch action {
        case .readMemory:
            entry.data = values?.value(of: line) ?? memory[line] ?? 0
            memoryAccessHook?._withUnsafeGuaranteedRef { $0.closure(line, false) }
        case .writeMemory:
            if let values { values.store(message!.data, to: line) } else { memory[line] = message!.data }
            entry.data = message!.data
            memoryAccessHook?._withUnsafeGuaranteedRef { $0.closure(line, true) }
        case .grantS:
            send(.DataS, to: entry.requester, data: entry.data)
            entry.addSharer(entry.requester)
        case .grantE:
            send(.DataEx, to: entry.requester, data: entry.data)
            entry.makeOwner(entry.requester)
            onOwnershipGranted?(line)
        case .grantOwnership:
            send(.GntE, to: entry.requester)
            entry.makeOwner(entry.requester)
            onOwnershipGranted?(line)
        case .snoopInvAll:
            var targets = entry.sharers
            entry.responses = targets.nonzeroBitCount
            while targets != 0 {
                send(.SnpInv, to: targets.trailingZeroBitCount)
                targets &= targets - 1
            }
            entry.sharers = 0
        case .recalled:
            onRecalled?(line)
        case .writeRemote:
            entry.data = message!.data
            onRemoteWrite?(line, message!.data)
        case .snoopInvSharers:
            var targets = entry.sharers & ~(1 << UInt64(entry.requester))
            entry.responses = targets.nonzeroBitCount
            while targets != 0 {
                send(.SnpInv, to: targets.trailingZeroBitCount)
                targets &= targets - 1
            }
            entry.sharers &= 1 << UInt64(entry.requester)
        case .snoopInvOwner:
            send(.SnpInv, to: entry.owner!)
            entry.responses = 1
        case .snoopDataOwner:
            send(.SnpData, to: entry.owner!)
            entry.responses = 1
        case .countRsp, .stall:
            break
        case .ownerToSharer:
            entry.ownerToSharer()
        case .clearOwner:
            entry.owner = nil
        case .removeSender:
            entry.removeSharer(sender)
        case .sendWbAck:
            send(.WbAck, to: sender)
        }
    }
}

extension DirectoryController.Line: TableLine {
    /// The record of a line held nowhere (state I).
    public static var empty: Self { Self() }
}

extension DirectoryController {
    /// The messages parked on `line` (`konasim verify` reads and restores a controller's contents).
    public func parkedMessages(_ line: UInt64) -> [CoherenceMessage] { parked.messages(line) }

    /// Everything the directory holds, as one value to save and put back.
    public struct Contents {
        var lines: LineMap<Line>
        var memory: LineMap<UInt64>
        var parked: ParkedMessages
    }

    public var contents: Contents {
        get { Contents(lines: lines, memory: memory, parked: parked) }
        set { (lines, memory, parked) = (newValue.lines, newValue.memory, newValue.parked) }
    }

    /// Replaces everything the directory holds: line records, memory and parked messages.
    public func restore(lines records: [(UInt64, Line)], memory values: [(UInt64, UInt64)],
                        parked messages: [(UInt64, [CoherenceMessage])]) {
        lines.removeAll()
        for (line, record) in records where record.state != .I { lines[line] = record }
        memory.removeAll()
        for (line, value) in values { memory[line] = value }
        parked.replace(with: messages)
    }
}
