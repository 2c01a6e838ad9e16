import KonaHardware
import KonaProtocol

/// The system `ProtocolExplorer` explores, as live controllers: puts a state into them, lists
/// and takes the steps enabled in it, checks the invariants, and reads the result back as a
/// canonical encoding. Each of `konasim verify --jobs N`'s threads has its own.
final class ExplorerWorker: CoherenceNetwork {
    /// A step to take from a state.
    enum Action: Equatable {
        case load(Int, UInt64), store(Int, UInt64), evict(Int, UInt64), replace(Int, UInt64), evictBlock
        case deliver(channel: Int, index: Int)
    }

    /// A successor: its canonical encoding's number in `successors` and its hash, the step's
    /// index among `enabled()`, and the renumbering that made it canonical (an index into
    /// `permutations`).
    struct Child {
        var index: Int
        var hash: UInt64
        var action: Int32
        var permutation: UInt8
    }

    /// What one state's expansion produced.
    struct Expansion {
        /// The successors kept.
        var children: [Child] = []
        var transitions = 0
        /// Whether every enabled step was taken (false: a reduced, one-line expansion).
        var full = true
        /// A broken invariant: the problem, and the step that broke it (nil: a deadlock here).
        var violation: (problem: String, action: Int?)?
        /// The operations pending in the state (`pendingOperations()`).
        var pending: UInt32 = 0
    }

    let configuration: ProtocolExplorer.Configuration
    let tables: ProtocolTables
    let homeTable: HomeProtocol.Table
    private let n: Int
    private let lineCount: Int
    private(set) var cores: [CoreComplexController] = []
    private(set) var llcs: [LLCController] = []
    private(set) var home: HomeController!
    /// Messages in flight by channel, in order of the channels' keys (source, destination,
    /// line, virtual channel); no channel empty.
    private var channels: [(key: Int, messages: [CoherenceMessage])] = []
    /// The value of the last store performed on each line (1: the state's latest value).
    private var latest: [UInt64]
    /// FPGA: the block is resident (0), being evicted (1) or absent (2); recalls outstanding;
    /// remote memory's values.
    private var block = 0
    private var recallsLeft = 0
    private var remote: [UInt64]
    /// Operations (loads, stores, evictions, replacements, FPGA evictions) still allowed to
    /// start, with `configuration.operations`.
    private var operationsLeft = Int.max
    private var failure: String?
    /// The controllers a step changed since the state was saved (bit `a`: core `a`, `8 + a`:
    /// LLC `a`, 16: the home): every change to a controller goes through a transition (a
    /// stall's included), whose report sets its bit, so `restore` puts back only those.
    private var touched: UInt32 = 0
    /// The transitions of the step being described (counterexamples only).
    var log: [String]?
    let permutations: [[Int]]
    /// `inverses[j][p[a]] == a` for `p = permutations[j]`.
    let inverses: [[Int]]

    /// Buffers reused from state to state: the state being loaded, the states before and
    /// after a step, the agents' signatures, an encoding being compared.
    private var loaded: ExplorerState
    private var before: ExplorerState
    private var after: ExplorerState
    private var signatures: [[UInt8]]
    private var scratch: [UInt8] = []
    private var best: [UInt8] = []
    /// The canonical encodings of the successors `expand` produced (emptied by the caller).
    var successors = StateArena()

    init(_ configuration: ProtocolExplorer.Configuration) {
        self.configuration = configuration
        tables = configuration.tables ?? ProtocolTables(configuration.variant)
        homeTable = configuration.home == .fpga ? tables.fpga : tables.home
        n = configuration.agents
        lineCount = configuration.addresses
        latest = [UInt64](repeating: 1, count: lineCount)
        remote = [UInt64](repeating: 1, count: lineCount)
        loaded = ExplorerState(agents: n, lines: lineCount)
        before = loaded
        after = loaded
        signatures = [[UInt8]](repeating: [], count: n)
        permutations = Self.permutations(of: Array(0..<configuration.agents))
        inverses = permutations.map { p in
            var inverse = p
            for a in p.indices { inverse[p[a]] = a }
            return inverse
        }
        for a in 0..<n {
            cores.append(CoreComplexController(index: a, llc: .llc(a), table: tables.core, network: self))
            llcs.append(LLCController(socket: a, firstCore: a, cores: 1, table: tables.llc, network: self, homeOf: { _ in .home(0) }))
        }
        home = HomeController(index: 0, table: homeTable, network: self)
        for core in cores {
            core.onComplete = { [unowned self] line, operation, value in
                switch operation {
                case .load:
                    if value != self.latest[Int(line)] && self.failure == nil {
                        self.failure = "\(core.name) loaded \(self.valueName(value, line)) from line \(line), but the last store performed wrote \(self.valueName(self.latest[Int(line)], line))"
                    }
                case .store(let v):
                    self.latest[Int(line)] = v
                }
            }
            core.onTransition = { [unowned self] line, before, event, after in
                self.touched |= 1 << core.index
                self.log?.append("\(core.name) line \(line): \(before.name) --\(event.name)--> \(after.name)")
            }
        }
        for llc in llcs {
            llc.onTransition = { [unowned self] line, before, event, after in
                self.touched |= 1 << (8 + llc.socket)
                self.log?.append("\(llc.name) line \(line): \(before.name) --\(event.name)--> \(after.name)")
            }
        }
        home.onTransition = { [unowned self] line, before, event, after in
            self.touched |= 1 << 16
            self.log?.append("home line \(line): \(before.name) --\(event.name)--> \(after.name)")
        }
        home.onRecalled = { [unowned self] _ in self.recallsLeft -= 1 }
        block = configuration.home == .fpga ? 2 : 0      // FMem starts empty, as in the SPIN model
        operationsLeft = configuration.operations ?? Int.max
        setHomeMemory(configuration.home == .fpga ? [] : (0..<configuration.addresses).map { (UInt64($0), 1) })
    }

    /// The initial state's canonical encoding.
    func initialState() -> [UInt8] { canonical().bytes }

    /// Replaces the home's memory (FMem, for the FPGA), keeping its records and parked messages.
    private func setHomeMemory(_ values: [(UInt64, UInt64)]) {
        touched |= 1 << 16
        let lines = (0..<UInt64(lineCount)).compactMap { l in home.lines[l].map { (l, $0) } }
        home.restore(lines: lines, memory: values, parked: (0..<UInt64(lineCount)).map { ($0, home.parkedMessages($0)) })
    }

    private func valueName(_ v: UInt64, _ line: UInt64) -> String {
        v == latest[Int(line)] ? "the latest value" : v >= 2 ? "core\(v - 2)'s pending store" : "a stale value"
    }

    func send(_ message: CoherenceMessage) {
        let key = channelKey(message.source, message.destination, message.line, message.kind.channel)
        var i = 0
        while i < channels.count && channels[i].key < key { i += 1 }
        if i < channels.count && channels[i].key == key {
            channels[i].messages.append(message)
        } else {
            channels.insert((key, [message]), at: i)
        }
    }

    // MARK: Expansion

    /// Takes the steps enabled in `state` and returns the successors to keep.
    ///
    /// With `reduce` (more than one line), the partial-order reduction: if the steps of one
    /// line form an ample set (see `ProtocolExplorer`), and every successor they lead to is
    /// new (`visited` says no), only they are taken; otherwise every enabled step is. Every
    /// step on a line is checked to leave the other lines as they were.
    func expand(_ state: ArraySlice<UInt8>, reduce: Bool, visited: (UInt64) -> Bool) -> Expansion {
        var result = Expansion()
        load(state)
        let saved = save()
        var before = ExplorerState(agents: 0, lines: 0), after = before
        swap(&before, &self.before)
        swap(&after, &self.after)
        defer {
            swap(&before, &self.before)
            swap(&after, &self.after)
        }
        if reduce { snapshot(into: &before) }
        let actions = enabled()
        result.pending = pendingOperations()
        if actions.isEmpty, let stuck = workLeft() {
            result.violation = ("deadlock: \(stuck), and no step is enabled", nil)
            return result
        }
        /// Takes step `k`; false if it broke an invariant (recorded in `result`).
        func step(_ k: Int, into children: inout [Child]) -> Bool {
            restore(saved)
            result.transitions += 1
            if let problem = take(actions[k]) ?? check() {
                result.violation = (problem, k)
                return false
            }
            snapshot(into: &after)
            if reduce, before.block == 0, after.block == 0, let line = self.line(of: actions[k]),
               !after.sameExcept(line: line, as: before) {
                result.violation = ("the step changed another line's state: the lines are not independent, so the partial-order reduction (konasim verify --reduction none) does not apply", k)
                return false
            }
            let j = canonical(after)
            children.append(Child(index: successors.count, hash: ProtocolExplorer.hash(best), action: Int32(k), permutation: UInt8(j)))
            successors.append(best)
            return true
        }
        if reduce {
            for candidate in ampleCandidates(actions, before) {
                var children: [Child] = []
                var allNew = true
                for k in candidate {
                    guard step(k, into: &children) else { return result }
                    if visited(children[children.count - 1].hash) { allNew = false; break }
                }
                if allNew {
                    result.children = children
                    result.full = false
                    return result
                }
            }
        }
        var children: [Child] = []
        for k in actions.indices {
            guard step(k, into: &children) else { return result }
        }
        result.children = children
        return result
    }

    /// Sets of steps that may stand for all (each one line's enabled steps), fewest first.
    ///
    /// A line's steps commute with every other line's (each changes only its own line, which
    /// `expand` checks), and only its own steps can enable more of its steps (channels are
    /// ordered per line), so taking only them ignores no interleaving that matters: the
    /// condition C1 of ample sets. With the FPGA home the block is shared by every line, so
    /// the set must also be unable to let an eviction start before one of its steps: the block
    /// is resident, no eviction is enabled, and the line's home entry is busy or has parked
    /// messages (so no other line's steps can make every entry stable). Under `operations`, a
    /// line whose steps would start an operation is no candidate: the bound is shared.
    private func ampleCandidates(_ actions: [Action], _ state: ExplorerState) -> [[Int]] {
        var byLine = [[Int]](repeating: [], count: lineCount)
        var starts = [Bool](repeating: false, count: lineCount)
        for (k, action) in actions.enumerated() {
            guard let l = line(of: action) else { return [] }
            byLine[l].append(k)
            if case .deliver = action {} else { starts[l] = true }
        }
        var candidates: [[Int]] = []
        for l in 0..<lineCount where !byLine[l].isEmpty && byLine[l].count < actions.count {
            // Under a bound on operations, starting one uses up what another line could start.
            if configuration.operations != nil && starts[l] { continue }
            if configuration.home == .fpga {
                guard state.block == 0 else { return [] }
                let busy = !HomeController.isStable(home.state(UInt64(l))) || !home.parkedMessages(UInt64(l)).isEmpty
                guard busy else { continue }
            }
            candidates.append(byLine[l])
        }
        return candidates.sorted { $0.count < $1.count }
    }

    private func line(of action: Action) -> Int? {
        switch action {
        case .load(_, let l), .store(_, let l), .evict(_, let l), .replace(_, let l): Int(l)
        case .evictBlock: nil
        case .deliver(let key, _): (key >> 2) & 0xff
        }
    }

    // MARK: Steps

    func enabled() -> [Action] {
        var actions: [Action] = []
        for a in 0..<n where operationsLeft > 0 {
            for l in 0..<UInt64(lineCount) where cores[a].pendingOperation(l) == nil {
                let s = cores[a].state(l)
                switch s {
                case .I, .S, .E, .M: break
                default: continue
                }
                actions.append(.load(a, l))
                actions.append(.store(a, l))
                if s != .I { actions.append(.evict(a, l)) }
            }
        }
        for a in 0..<n where operationsLeft > 0 {
            for l in 0..<UInt64(lineCount) {
                let s = llcs[a].state(l)
                switch s {
                case .S, .E, .M: if tables.llc.rowIndex(s, .Replace) != nil { actions.append(.replace(a, l)) }
                default: break
                }
            }
        }
        if configuration.home == .fpga && block == 0 && operationsLeft > 0
            && (0..<UInt64(lineCount)).allSatisfy({ HomeController.isStable(home.state($0)) && home.parkedMessages($0).isEmpty }) {
            actions.append(.evictBlock)
        }
        for (key, queue) in channels {
            for i in queue.indices {
                if configuration.ordering == .fifo && i > 0 { break }
                if configuration.home == .fpga && block == 1 && isRequestToHome(queue[i]) { continue }
                actions.append(.deliver(channel: key, index: i))
            }
        }
        return actions
    }

    /// How a step reads in a counterexample.
    func name(_ action: Action) -> String {
        switch action {
        case .load(let a, let l): "core\(a) loads line \(l)"
        case .store(let a, let l): "core\(a) stores to line \(l)"
        case .evict(let a, let l): "core\(a) evicts line \(l)"
        case .replace(let a, let l): "llc\(a) replaces line \(l)"
        case .evictBlock: "the FPGA starts evicting its FMem block"
        case .deliver(let c, let i): "deliver \(channels.first { $0.key == c }!.messages[i])"
        }
    }

    private func isRequestToHome(_ m: CoherenceMessage) -> Bool {
        guard case .home = m.destination else { return false }
        switch m.kind {
        case .RdShared, .RdOwn, .UpgradeReq: return true
        default: return false
        }
    }

    /// Takes `action` in the loaded state; a problem it met (a missing row, a failed check).
    func take(_ action: Action) -> String? {
        failure = nil
        if case .deliver = action {} else if configuration.operations != nil { operationsLeft -= 1 }
        do {
            switch action {
            case .load(let a, let l): try cores[a].load(l)
            case .store(let a, let l): try cores[a].store(l, value: 2 + UInt64(a))
            case .evict(let a, let l): try cores[a].evict(l)
            case .replace(let a, let l): try llcs[a].replace(l)
            case .evictBlock:
                block = 1
                let held = (0..<UInt64(lineCount)).filter { home.state($0) != .I }
                recallsLeft = held.count
                for l in held { try home.recall(l) }
            case .deliver(let key, let i):
                let j = channels.firstIndex { $0.key == key }!
                let message = channels[j].messages.remove(at: i)
                if channels[j].messages.isEmpty { channels.remove(at: j) }
                if configuration.home == .fpga && block == 2 && isRequestToHome(message) { fetchBlock() }
                switch message.destination {
                case .core(let c): try cores[c].receive(message)
                case .llc(let s): try llcs[s].receive(message)
                case .home: try home.receive(message)
                }
            }
        } catch {
            return error.description
        }
        if let failure { return failure }
        if configuration.home == .fpga && block == 1 && recallsLeft == 0 { return finishEviction() }
        return nil
    }

    /// The FPGA's eviction is over: its lines' values go to remote memory, which must then
    /// hold every line's latest value.
    private func finishEviction() -> String? {
        for l in 0..<lineCount {
            remote[l] = home.memory[UInt64(l)] ?? 1
            if remote[l] != latest[l] { return "after the FPGA's eviction remote memory holds a stale value of line \(l)" }
        }
        block = 2
        setHomeMemory([])
        return nil
    }

    private func fetchBlock() {
        block = 0
        setHomeMemory((0..<lineCount).map { (UInt64($0), remote[$0]) })
    }

    /// The invariants of the current state; the first one broken.
    private func check() -> String? {
        for l in 0..<UInt64(lineCount) {
            if let problem = singleWriterViolation(cores, l) { return problem }
            // A line no cache holds, with nothing in flight or parked for it, is at home.
            let quiet = cores.allSatisfy { $0.state(l) == .I && (!$0.hasParked || $0.parkedMessages(l).isEmpty) }
                && llcs.allSatisfy { $0.state(l) == .I && (!$0.hasParked || $0.parkedMessages(l).isEmpty) }
                && home.state(l) == .I && (!home.hasParked || home.parkedMessages(l).isEmpty)
                && !channels.contains { $0.messages.contains { $0.line == l } }
            if quiet && block != 1 {
                let value = block == 2 ? remote[Int(l)] : home.memory[l] ?? 1
                if value != latest[Int(l)] { return "line \(l) is held by no cache, but its home has a stale value" }
            }
        }
        return nil
    }

    /// What is left to do in a state with no step enabled, if anything.
    private func workLeft() -> String? {
        for l in 0..<UInt64(lineCount) {
            for core in cores where core.pendingOperation(l) != nil { return "\(core.name)'s operation on line \(l) is pending" }
        }
        if let (_, queue) = channels.first { return "\(queue.count) message(s) in flight, first \(queue[0])" }
        for l in 0..<UInt64(lineCount) {
            if !home.parkedMessages(l).isEmpty { return "home has parked messages on line \(l)" }
            for llc in llcs where !llc.parkedMessages(l).isEmpty { return "\(llc.name) has parked messages on line \(l)" }
        }
        if block == 1 { return "the FPGA's eviction is under way" }
        return nil
    }

    /// The operations pending in the loaded state, as bits `line * agents + agent`.
    func pendingOperations() -> UInt32 {
        var bits: UInt32 = 0
        for l in 0..<lineCount {
            for a in 0..<n where cores[a].pendingOperation(UInt64(l)) != nil { bits |= 1 << UInt32(l * n + a) }
        }
        return bits
    }

    // MARK: States

    private func channelKey(_ s: Endpoint, _ d: Endpoint, _ line: UInt64, _ c: Channel) -> Int {
        (code(s) << 16) | (code(d) << 10) | (Int(line) << 2) | c.rawValue
    }
    private func code(_ e: Endpoint) -> Int {
        switch e {
        case .core(let i): i
        case .llc(let i): 8 + i
        case .home: 16
        }
    }
    private func endpoint(_ code: UInt8) -> Endpoint { code < 8 ? .core(Int(code)) : code < 16 ? .llc(Int(code) - 8) : .home(0) }

    /// The message a state's record of one stands for (its value as the controllers hold it).
    private func coherenceMessage(_ m: ExplorerState.Message) -> CoherenceMessage {
        CoherenceMessage(MessageKind(rawValue: Int(m.kind))!, line: UInt64(m.line), from: endpoint(m.source),
                         to: endpoint(m.destination), data: UInt64(m.value))
    }

    /// Reads the current state from the controllers into `s`.
    func snapshot(into s: inout ExplorerState) {
        s.clearMessages()
        // A copy holds the latest value or a stale one: a value left from an earlier store is stale,
        // whoever wrote it (a pending store's fresh value lives only in its operation until it completes).
        @inline(__always) func value(_ v: UInt64, _ l: Int) -> UInt8 { v == latest[l] ? 1 : 0 }
        @inline(__always) func message(_ m: CoherenceMessage, _ l: Int) -> ExplorerState.Message {
            ExplorerState.Message(kind: UInt8(m.kind.rawValue), source: UInt8(code(m.source)), destination: UInt8(code(m.destination)),
                                  line: UInt8(m.line), channel: UInt8(m.kind.channel.rawValue), value: value(m.data, l))
        }
        for l in 0..<lineCount {
            let line = UInt64(l)
            for a in 0..<n {
                let k = l * n + a
                let c = cores[a]
                // A record in state I is dropped when a state is put back (`restore`): read it so.
                let record = c.lines[line].flatMap { $0.state == .I ? nil : $0 }
                var base = k * ExplorerState.coreFields
                s.core[base] = UInt8(record?.state.rawValue ?? 0)
                s.core[base + 1] = value(record?.data ?? 0, l)
                switch c.pendingOperation(line) {
                case nil: s.core[base + 2] = 0
                case .load?: s.core[base + 2] = 1
                case .store(let v)?: s.core[base + 2] = UInt8(v)
                }
                if c.hasParked { for m in c.parkedMessages(line) { s.park(message(m, l), in: s.coreSlot(line: l, agent: a)) } }
                let llc = llcs[a]
                let r = llc.lines[line].flatMap { $0.state == .I ? nil : $0 } ?? LLCController.Line.empty
                base = k * ExplorerState.llcFields
                s.llc[base] = UInt8(r.state.rawValue)
                s.llc[base + 1] = value(r.data, l)
                s.llc[base + 2] = UInt8(r.sharers)
                s.llc[base + 3] = UInt8(r.owner.map { $0 + 1 } ?? 0)
                s.llc[base + 4] = UInt8(r.requester)
                s.llc[base + 5] = UInt8(r.acks)
                if llc.hasParked { for m in llc.parkedMessages(line) { s.park(message(m, l), in: s.llcSlot(line: l, agent: a)) } }
            }
            let h = home.lines[line].flatMap { $0.state == .I ? nil : $0 } ?? HomeController.Line.empty
            let base = l * ExplorerState.homeFields
            s.home[base] = UInt8(h.state.rawValue)
            s.home[base + 1] = UInt8(h.sharers)
            s.home[base + 2] = UInt8(h.owner.map { $0 + 1 } ?? 0)
            // A stable entry's requester is left over from its last transaction: not state.
            s.home[base + 3] = HomeController.isStable(h.state) ? 0 : UInt8(h.requester + 1)
            s.home[base + 4] = UInt8(h.responses)
            s.home[base + 5] = value(h.data, l)
            s.home[base + 6] = value(home.memory[line] ?? (block == 2 ? 0 : 1), l)
            // Remote memory is read only while the block is absent, and overwritten by every eviction.
            s.home[base + 7] = block == 2 ? value(remote[l], l) : 0
            if home.hasParked { for m in home.parkedMessages(line) { s.park(message(m, l), in: s.homeSlot(line: l)) } }
        }
        s.block = UInt8(block)
        s.recallsLeft = UInt8(recallsLeft)
        s.operationsLeft = configuration.operations == nil ? 0 : UInt8(operationsLeft)
        for (_, list) in channels {
            s.openChannel()
            for m in list { s.send(message(m, Int(m.line))) }
        }
    }

    /// The current state in its canonical encoding: the smallest over renumberings of the
    /// agents, and the renumbering (agent `a` became `p[a]`).
    func canonical() -> (bytes: [UInt8], p: [Int]) {
        var s = ExplorerState(agents: n, lines: lineCount)
        snapshot(into: &s)
        let j = canonical(s)
        return (best, permutations[j])
    }

    /// Leaves `s`'s canonical encoding in `best` and returns the index of the renumbering that
    /// gives it: the smallest encoding over the renumberings that order the agents by their
    /// signatures (all of them when the signatures tie), which is the same for every
    /// renumbering of `s`.
    private func canonical(_ s: ExplorerState) -> Int {
        // The buffers are taken out of the worker while in use (no access checks in the loop).
        var signatures: [[UInt8]] = [], scratch: [UInt8] = [], best: [UInt8] = []
        swap(&signatures, &self.signatures)
        swap(&scratch, &self.scratch)
        swap(&best, &self.best)
        defer {
            swap(&signatures, &self.signatures)
            swap(&scratch, &self.scratch)
            swap(&best, &self.best)
        }
        if n > 2 { for a in 0..<n { s.signature(of: a, into: &signatures[a]) } }
        var bestIndex = -1
        for j in permutations.indices {
            // p[a] is agent a's new number: only the renumberings that number the agents in
            // the order of their signatures.
            let inverse = inverses[j]
            if n > 2 && !(1..<n).allSatisfy({ !signatures[inverse[$0]].lexicographicallyPrecedes(signatures[inverse[$0 - 1]]) }) { continue }
            if bestIndex < 0 {
                best.removeAll(keepingCapacity: true)
                s.encode(permutations[j], inverse, into: &best)
                bestIndex = j
                continue
            }
            scratch.removeAll(keepingCapacity: true)
            s.encode(permutations[j], inverse, into: &scratch)
            if scratch.lexicographicallyPrecedes(best) { swap(&scratch, &best); bestIndex = j }
        }
        return bestIndex
    }

    /// The lists `load` hands the controllers, kept from state to state for their storage.
    private struct Records {
        var homeLines: [(UInt64, HomeController.Line)] = []
        var memory: [(UInt64, UInt64)] = []
        var homeParked: [(UInt64, [CoherenceMessage])] = []
        var coreLines: [(UInt64, CoreComplexController.Line)] = []
        var pending: [(UInt64, CoreComplexController.Operation)] = []
        var coreParked: [(UInt64, [CoherenceMessage])] = []
        var llcLines: [(UInt64, LLCController.Line)] = []
        var llcParked: [(UInt64, [CoherenceMessage])] = []
    }
    private var records = Records()

    /// Makes the controllers, channels and FPGA hold the state `bytes` encodes.
    func load(_ bytes: ArraySlice<UInt8>) {
        var s = ExplorerState(agents: 0, lines: 0), b = Records()
        swap(&s, &loaded)
        swap(&b, &records)
        defer {
            swap(&s, &loaded)
            swap(&b, &records)
        }
        s.decode(bytes)
        func messages(_ slot: Int) -> [CoherenceMessage] { s.parked(slot).map(coherenceMessage) }
        for a in 0..<n {
            b.coreLines.removeAll(keepingCapacity: true)
            b.pending.removeAll(keepingCapacity: true)
            b.coreParked.removeAll(keepingCapacity: true)
            b.llcLines.removeAll(keepingCapacity: true)
            b.llcParked.removeAll(keepingCapacity: true)
            for l in 0..<lineCount {
                let line = UInt64(l), k = l * n + a
                var base = k * ExplorerState.coreFields
                if s.core[base] != 0 {
                    var c = CoreComplexController.Line.empty
                    c.state = CoreComplexProtocol.State(rawValue: Int(s.core[base]))!
                    c.data = UInt64(s.core[base + 1])
                    b.coreLines.append((line, c))
                }
                switch s.core[base + 2] {
                case 0: break
                case 1: b.pending.append((line, .load))
                case let v: b.pending.append((line, .store(value: UInt64(v))))
                }
                if !s.parked(s.coreSlot(line: l, agent: a)).isEmpty { b.coreParked.append((line, messages(s.coreSlot(line: l, agent: a)))) }
                base = k * ExplorerState.llcFields
                if s.llc[base] != 0 {
                    var r = LLCController.Line.empty
                    r.state = LLCProtocol.State(rawValue: Int(s.llc[base]))!
                    r.data = UInt64(s.llc[base + 1])
                    r.sharers = UInt64(s.llc[base + 2])
                    r.owner = s.llc[base + 3] == 0 ? nil : Int(s.llc[base + 3]) - 1
                    r.requester = Int(s.llc[base + 4])
                    r.acks = Int(s.llc[base + 5])
                    b.llcLines.append((line, r))
                }
                if !s.parked(s.llcSlot(line: l, agent: a)).isEmpty { b.llcParked.append((line, messages(s.llcSlot(line: l, agent: a)))) }
            }
            cores[a].restore(lines: b.coreLines, pending: b.pending, parked: b.coreParked)
            llcs[a].restore(lines: b.llcLines, parked: b.llcParked)
        }
        b.homeLines.removeAll(keepingCapacity: true)
        b.memory.removeAll(keepingCapacity: true)
        b.homeParked.removeAll(keepingCapacity: true)
        for l in 0..<lineCount {
            let line = UInt64(l), base = l * ExplorerState.homeFields
            if s.home[base] != 0 {
                var h = HomeController.Line.empty
                h.state = HomeProtocol.State(rawValue: Int(s.home[base]))!
                h.sharers = UInt64(s.home[base + 1])
                h.owner = s.home[base + 2] == 0 ? nil : Int(s.home[base + 2]) - 1
                // 0: none (a stable entry keeps its last one, which no row reads; a recall has none).
                h.requester = s.home[base + 3] == 0 ? (HomeController.isStable(h.state) ? 0 : -1) : Int(s.home[base + 3]) - 1
                h.responses = Int(s.home[base + 4])
                h.data = UInt64(s.home[base + 5])
                b.homeLines.append((line, h))
            }
            b.memory.append((line, UInt64(s.home[base + 6])))
            remote[l] = UInt64(s.home[base + 7])
            if !s.parked(s.homeSlot(line: l)).isEmpty { b.homeParked.append((line, messages(s.homeSlot(line: l)))) }
        }
        block = Int(s.block)
        recallsLeft = Int(s.recallsLeft)
        operationsLeft = configuration.operations == nil ? Int.max : Int(s.operationsLeft)
        if block == 2 { b.memory.removeAll(keepingCapacity: true) }
        home.restore(lines: b.homeLines, memory: b.memory, parked: b.homeParked)
        channels.removeAll(keepingCapacity: true)
        for j in 0..<s.channelCount {
            let list = s.channel(j), m = list.first!
            channels.append((channelKey(endpoint(m.source), endpoint(m.destination), UInt64(m.line), Channel(rawValue: Int(m.channel))!),
                             list.map(coherenceMessage)))
        }
        channels.sort { $0.key < $1.key }
        for l in 0..<lineCount { latest[l] = 1 }
    }

    /// Everything a state is, as values (copies share storage until changed).
    struct Saved {
        var cores: [CoreComplexController.Contents]
        var llcs: [LLCController.Contents]
        var home: HomeController.Contents
        var channels: [(key: Int, messages: [CoherenceMessage])]
        var block: Int
        var recallsLeft: Int
        var remote: [UInt64]
        var operationsLeft: Int
    }

    func save() -> Saved {
        touched = 0
        return Saved(cores: cores.map(\.contents), llcs: llcs.map(\.contents), home: home.contents, channels: channels,
              block: block, recallsLeft: recallsLeft, remote: remote, operationsLeft: operationsLeft)
    }

    func restore(_ s: Saved) {
        for a in 0..<n {
            if touched & (1 << a) != 0 { cores[a].contents = s.cores[a] }
            if touched & (1 << (8 + a)) != 0 { llcs[a].contents = s.llcs[a] }
        }
        if touched & (1 << 16) != 0 { home.contents = s.home }
        touched = 0
        channels = s.channels
        block = s.block
        recallsLeft = s.recallsLeft
        remote = s.remote
        operationsLeft = s.operationsLeft
        for l in 0..<lineCount { latest[l] = 1 }
    }

    private static func permutations(of items: [Int]) -> [[Int]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { i -> [[Int]] in
            var rest = items
            let first = rest.remove(at: i)
            return permutations(of: rest).map { [first] + $0 }
        }.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
