import KonaEngine
import KonaProtocol

/// One transaction run on scratch controllers to make a `TransactionMemo` entry: the socket's
/// cores, its LLC and the line's home, built from the system's own tables and holding the
/// line as the system does, exchange the transaction's messages through this network (a FIFO
/// queue, as `FunctionalNetwork`) while it records what the functional parts would do with
/// their transitions: the LLC's way, the private caches' end states, snoops, the home's
/// memory accesses and grants, the messages.
///
/// The entry is marked not memoizable when the transaction is not stable end to end in one
/// step: a row raises a protocol error, a message is left parked or an operation pending, a
/// message goes to a part the scratch system does not have, the LLC's line leaves or is
/// written back, a core's copy leaves its caches and comes back, or a part is asked twice.
/// - Complexity: the transaction's messages, once per key.
final class TransactionRehearsal: CoherenceNetwork {
    /// What starts the transaction.
    enum Operation {
        /// A core's load or store.
        case request(core: Int, isStore: Bool)
        /// The LLC replaces the line (to make room for a request).
        case replace
        /// The home recalls the line (FMem evicts its block).
        case recall
        /// A core's L2 evicts the line.
        case evict(core: Int)
    }

    /// The requester value a scratch record starts with, to tell whether the rows set it.
    private static let unsetRequester = 1000

    private let line: UInt64
    private var queue: [CoherenceMessage] = []
    private var cores: [CoreComplexController] = []
    private var llc: LLCController!
    private var home: DirectoryController!
    private let homeIndex: Int
    private var entry = TransactionMemo.Entry()
    private var broken = false
    private let llcStart: LLCProtocol.State
    private var llcTransitions = 0
    private var llcTouched = false, homeTouched = false
    private var coreSeen: UInt64 = 0, corePresence: UInt64 = 0
    /// Per core, how often its copy entered or left the caches.
    private var presenceChanges: [Int]
    private var homeRequests = 0, llcRequests = 0
    private var handlingRequest = false
    /// Whether the line leaves the socket (a replacement or a recall): the LLC's line may
    /// return to I, through the writeback buffer; a request's may not.
    private var leaving = false

    init(line: UInt64, coreTable: CoreComplexProtocol.Table, llcTable: LLCProtocol.Table, homeTable: HomeProtocol.Table,
         homeIndex: Int, cores states: [CoreComplexProtocol.State], llc llcStart: LLCController.Line,
         home homeStart: DirectoryController.Line) {
        self.line = line
        self.homeIndex = homeIndex
        self.llcStart = llcStart.state
        presenceChanges = [Int](repeating: 0, count: states.count)
        for (k, state) in states.enumerated() {
            let core = CoreComplexController(index: k, llc: .llc(0), table: coreTable, network: self)
            if state != .I { core.lines[line] = CoreComplexController.Line(state: state, data: 0) }
            if Self.present(state) { corePresence |= 1 << UInt64(k) }
            core.onTransition = { [unowned self] _, _, _, after in self.coreTransitioned(k, to: after) }
            cores.append(core)
        }
        llc = LLCController(socket: 0, firstCore: 0, cores: states.count, table: llcTable, network: self,
                            homeOf: { _ in .home(homeIndex) })
        var llcRecord = llcStart
        llcRecord.requester = Self.unsetRequester
        if llcRecord.state != .I { llc.lines[line] = llcRecord }
        llc.onTransition = { [unowned self] _, before, _, after in self.llcTransitioned(from: before, to: after) }
        home = DirectoryController(index: homeIndex, table: homeTable, network: self)
        var homeRecord = homeStart
        homeRecord.requester = Self.unsetRequester
        if homeRecord.state != .I { home.lines[line] = homeRecord }
        home.onMemoryAccess = { [unowned self] _, isWrite in self.memoryAccessed(isWrite: isWrite) }
        home.onTransition = { [unowned self] _, _, _, _ in self.homeTouched = true }
        home.onOwnershipGranted = { [unowned self] _ in self.entry.grants &+= 1 }
    }

    private static func present(_ state: CoreComplexProtocol.State) -> Bool {
        switch state {
        case .S, .SM_A, .E, .M: true
        default: false
        }
    }

    /// Runs `operation` and returns the entry.
    func run(_ operation: Operation) -> TransactionMemo.Entry {
        do {
            switch operation {
            case .request(let core, let isStore):
                if isStore { try cores[core].store(line, value: 0) } else { try cores[core].load(line) }
            case .replace:
                leaving = true
                try llc.replace(line)
            case .recall:
                leaving = true
                try home.recall(line)
            case .evict(let core):
                try cores[core].evict(line)
            }
            try drain()
        } catch {
            return TransactionMemo.Entry()
        }
        if broken || llcRequests > 1 || homeRequests > 1 { return TransactionMemo.Entry() }
        if llc.hasParked || home.hasParked { return TransactionMemo.Entry() }
        for (k, c) in cores.enumerated() {
            if c.hasParked || c.isBusy(line) { return TransactionMemo.Entry() }
            let state = c.state(line)
            guard state.rawValue < 4, c.lines[line]?.data ?? 0 == 0 else { return TransactionMemo.Entry() }
            if coreSeen & (1 << UInt64(k)) != 0 {
                entry.coresChanged |= 1 << UInt64(k)
                entry.coreStates |= UInt64(state.rawValue) << UInt64(2 * k)
            }
        }
        let llcEnd = llc.lines[line] ?? LLCController.Line()
        let homeEnd = home.lines[line] ?? DirectoryController.Line()
        guard llcEnd.state.rawValue < 4, homeEnd.state.rawValue < 3, llcEnd.acks == 0, homeEnd.responses == 0,
              llcEnd.data == 0, homeEnd.data == 0 else { return TransactionMemo.Entry() }
        entry.llcEnd = llcEnd
        entry.llcKeepsRequester = llcEnd.requester == Self.unsetRequester
        entry.llcChanged = llcTouched
        entry.llcLeaves = llcStart != .I && llcEnd.state == .I
        if leaving && llcEnd.state != .I { return TransactionMemo.Entry() }
        entry.homeEnd = homeEnd
        entry.homeKeepsRequester = homeEnd.requester == Self.unsetRequester
        entry.homeChanged = homeTouched
        entry.llcRequest = llcRequests == 1
        entry.homeRequest = homeRequests == 1
        entry.memoizable = true
        return entry
    }

    func send(_ message: CoherenceMessage) { queue.append(message) }

    private func drain() throws(ProtocolViolation) {
        var i = 0
        while i < queue.count {
            let message = queue[i]
            i += 1
            entry.messages += 1
            guard message.line == line else { broken = true; return }
            switch message.destination {
            case .core(let c):
                guard c < cores.count else { broken = true; return }
                if message.kind == .Inv || message.kind == .Downgrade {
                    if entry.snooped & (1 << UInt64(c)) != 0 { broken = true; return }
                    entry.snooped |= 1 << UInt64(c)
                }
                try cores[c].receive(message)
            case .llc(let s):
                guard s == 0 else { broken = true; return }
                switch message.kind {
                case .GetS, .GetM, .Upgrade: llcRequests += 1
                default: break
                }
                try llc.receive(message)
            case .home(let h):
                guard h == homeIndex else { broken = true; return }
                switch message.kind {
                case .RdShared, .RdOwn, .UpgradeReq:
                    homeRequests += 1
                    // FMem's part runs when the request arrives: the LLC must have taken its way by then.
                    if llcStart == .I && entry.llcInstall == .I { broken = true }
                    handlingRequest = true
                    defer { handlingRequest = false }
                    try home.receive(message)
                default:
                    try home.receive(message)
                }
            }
        }
        queue.removeAll()
    }

    private func coreTransitioned(_ k: Int, to after: CoreComplexProtocol.State) {
        coreSeen |= 1 << UInt64(k)
        let present: UInt64 = Self.present(after) ? 1 : 0
        let bit: UInt64 = 1 << UInt64(k)
        if (corePresence & bit != 0) != (present != 0) {
            // A copy may enter or leave the caches once: more would evict or refill in between.
            corePresence ^= bit
            presenceChanges[k] += 1
            if presenceChanges[k] > 1 { broken = true }
        }
    }

    private func llcTransitioned(from before: LLCProtocol.State, to after: LLCProtocol.State) {
        llcTouched = true
        guard before != after else { return }
        llcTransitions += 1
        if !leaving && (after == .I || LLCWays.writingBack(after)) { broken = true }
        if before == .I {
            if leaving || llcTransitions > 1 || entry.llcInstall != .I { broken = true }
            entry.llcInstall = after
        }
    }

    private func memoryAccessed(isWrite: Bool) {
        if isWrite { entry.writes &+= 1 } else if handlingRequest { entry.requestReads &+= 1 } else { entry.otherReads &+= 1 }
    }
}
