#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KonaEngine
import KonaHardware
import KonaProtocol

/// `konasim verify`: explores every reachable state of a small system, breadth first, with
/// the very controllers the timed model runs (`CoreComplexController`, `LLCController`,
/// `HomeController`: the tables' one executor), not a model written beside them.
///
/// The system: `agents` sockets, each an LLC with one core complex, and one home (the CPU's
/// table, or the FPGA's with an FMem of one block holding every line: once every line's
/// directory state is stable an eviction may start at any moment, recalling the lines the
/// sockets hold; requests wait while it runs, and the block is fetched again on the next
/// request), over `addresses` lines. A step is a core's load, store or eviction of a line
/// (stable, no operation pending), an LLC's replacement of a stable line, an FPGA eviction,
/// or the delivery of a message: the oldest of a channel (source, destination, virtual
/// channel) with FIFO ordering, any with unordered. Data values are abstracted to latest or
/// stale (a pending store's fresh value is its own), so the state space is finite.
///
/// In every state: single writer or multiple readers per line; a load returns the value of
/// the last store performed on its line; a line no cache holds, with no data in flight, has
/// its latest value at home (memory, FMem or remote memory), which also holds after every
/// FPGA eviction; a `(state, event)` without a row is a violation; a state with work left
/// (an operation pending, a message in flight or parked, an eviction under way) and no step
/// enabled is a deadlock. Livelock is not checked (see docs/verification.md).
///
/// States are packed into bytes, canonical under permutations of the agents (symmetry
/// reduction: the smallest encoding over all permutations), and the visited set keeps a
/// 64-bit hash per state (hash compaction: 8 bytes per state plus its parent's hash for the
/// counterexample; a collision, with probability about n^2 / 2^65, could hide a state).
public final class ProtocolExplorer: CoherenceNetwork {
    /// The lines' home agent.
    public enum Home: String, Sendable, CaseIterable { case cpu, fpga }
    /// How the interconnect may reorder messages.
    public enum Ordering: String, Sendable, CaseIterable { case fifo, unordered }

    /// What to explore.
    public struct Configuration: Sendable {
        public var agents = 2
        public var addresses = 2
        public var home = Home.cpu
        public var ordering = Ordering.fifo
        public var variant = ProtocolVariant()
        /// Replaces the variant's tables (`ProtocolBreakage` breaks them on purpose).
        public var tables: ProtocolTables?
        /// Stop (and say so) after this many states.
        public var maxStates = 20_000_000
        public init() {}
    }

    /// One step of a counterexample: what happened and every transition it caused.
    public struct Step: Sendable, CustomStringConvertible {
        public var event: String
        public var transitions: [String]
        public var description: String { ([event] + transitions.map { "    " + $0 }).joined(separator: "\n") }
    }

    /// A broken invariant, with the shortest trace to it from the initial state.
    public struct Violation: Error, Sendable, CustomStringConvertible {
        public var problem: String
        public var trace: [Step]
        public var description: String {
            "violation: \(problem)\nshortest trace (\(trace.count) steps):\n"
                + trace.enumerated().map { "  \($0 + 1). \($1)" }.joined(separator: "\n")
        }
    }

    /// Rows of one table reached by the exploration.
    public struct TableCoverage: Sendable {
        public var table: String
        public var rows: Int
        public var reached: Int
        /// The rows never fired, as `state x event`.
        public var unreached: [String]
    }

    /// What an exploration found.
    public struct Report: Sendable {
        public var states = 0
        public var transitions = 0
        public var depth = 0
        public var seconds = 0.0
        public var peakMemoryBytes = 0
        public var truncated = false
        public var coverage: [TableCoverage] = []
        public var violation: Violation?
        public var statesPerSecond: Double { seconds > 0 ? Double(states) / seconds : 0 }
    }

    /// A step to take from a state.
    private enum Action: Equatable {
        case load(Int, UInt64), store(Int, UInt64), evict(Int, UInt64), replace(Int, UInt64), evictBlock
        case deliver(channel: Int, index: Int)
    }

    public let configuration: Configuration
    private let tables: ProtocolTables
    private let homeTable: HomeProtocol.Table
    private let n: Int
    private let lineCount: Int
    private var cores: [CoreComplexController] = []
    private var llcs: [LLCController] = []
    private var home: HomeController!
    /// Messages in flight by channel key (source, destination, virtual channel).
    private var channels: [Int: [CoherenceMessage]] = [:]
    /// The value of the last store performed on each line (1: the initial value).
    private var latest: [UInt64]
    /// FPGA: the block is resident (0), being evicted (1) or absent (2); recalls outstanding;
    /// remote memory's values.
    private var block = 0
    private var recallsLeft = 0
    private var remote: [UInt64]
    private var failure: String?
    private var log: [String]?
    private var permutations: [[Int]]

    public init(_ configuration: Configuration) {
        precondition(configuration.agents >= 1 && configuration.agents <= 4 && configuration.addresses >= 1 && configuration.addresses <= 8)
        self.configuration = configuration
        tables = configuration.tables ?? ProtocolTables(configuration.variant)
        homeTable = configuration.home == .fpga ? tables.fpga : tables.home
        n = configuration.agents
        lineCount = configuration.addresses
        latest = [UInt64](repeating: 1, count: lineCount)
        remote = [UInt64](repeating: 1, count: lineCount)
        permutations = Self.permutations(of: Array(0..<configuration.agents))
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
                self.log?.append("\(core.name) line \(line): \(before.name) --\(event.name)--> \(after.name)")
            }
        }
        for llc in llcs {
            llc.onTransition = { [unowned self] line, before, event, after in
                self.log?.append("\(llc.name) line \(line): \(before.name) --\(event.name)--> \(after.name)")
            }
        }
        home.onTransition = { [unowned self] line, before, event, after in
            self.log?.append("home line \(line): \(before.name) --\(event.name)--> \(after.name)")
        }
        home.onRecalled = { [unowned self] _ in self.recallsLeft -= 1 }
        block = configuration.home == .fpga ? 2 : 0      // FMem starts empty, as in the SPIN model
        setHomeMemory(configuration.home == .fpga ? [] : (0..<configuration.addresses).map { (UInt64($0), 1) })
    }

    /// Replaces the home's memory (FMem, for the FPGA), keeping its records and parked messages.
    private func setHomeMemory(_ values: [(UInt64, UInt64)]) {
        let lines = (0..<UInt64(lineCount)).compactMap { l in home.lines[l].map { (l, $0) } }
        home.restore(lines: lines, memory: values, parked: (0..<UInt64(lineCount)).map { ($0, home.parkedMessages($0)) })
    }

    private func valueName(_ v: UInt64, _ line: UInt64) -> String {
        v == latest[Int(line)] ? "the latest value" : v >= 2 ? "core\(v - 2)'s pending store" : "a stale value"
    }

    public func send(_ message: CoherenceMessage) {
        channels[channelKey(message.source, message.destination, message.kind.channel), default: []].append(message)
    }

    // MARK: Exploration

    /// Explores every reachable state breadth first; the report holds the first violation,
    /// with its shortest trace.
    public func run() -> Report {
        let start = ContinuousClock.now
        var report = Report()
        let initial = canonical().bytes
        var parents: [UInt64: Parent] = [hash(initial): Parent(hash: 0, depth: 0, action: 0)]
        var frontier = [initial]
        var depth = 0
        search: while !frontier.isEmpty {
            var next: [[UInt8]] = []
            for state in frontier {
                let parentHash = hash(state)
                load(state)
                let saved = save()
                let actions = enabled()
                if actions.isEmpty, let stuck = workLeft() {
                    report.violation = Violation(problem: "deadlock: \(stuck), and no step is enabled",
                                                 trace: trace(to: parentHash, then: nil, parents, initial))
                    break search
                }
                for (k, action) in actions.enumerated() {
                    restore(saved)
                    report.transitions += 1
                    if let problem = take(action) ?? check() {
                        report.violation = Violation(problem: problem, trace: trace(to: parentHash, then: k, parents, initial))
                        break search
                    }
                    let child = canonical().bytes
                    let h = hash(child)
                    if parents[h] == nil {
                        parents[h] = Parent(hash: parentHash, depth: Int32(depth + 1), action: Int32(k))
                        next.append(child)
                        if parents.count >= configuration.maxStates { report.truncated = true; break search }
                    }
                }
            }
            if !next.isEmpty { depth += 1 }
            frontier = next
        }
        report.states = parents.count
        report.depth = depth
        let elapsed = ContinuousClock.now - start
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        report.peakMemoryBytes = Int(usage.ru_maxrss) * 1024
        report.coverage = [coverage(tables.core, cores.map(\.coverage)), coverage(tables.llc, llcs.map(\.coverage)),
                           coverage(homeTable, [home.coverage])]
        return report
    }

    private func coverage<S, E, A>(_ table: ProtocolTable<S, E, A>, _ counts: [RowCoverage]) -> TableCoverage {
        let unreached = table.rows.indices.filter { r in counts.allSatisfy { $0.hits[r] == 0 } }
        return TableCoverage(table: table.name, rows: table.rows.count, reached: table.rows.count - unreached.count,
                             unreached: unreached.map { "\(table.rows[$0].state.name) x \(table.rows[$0].event.name)" })
    }

    /// How a state was first reached: its parent's hash, its depth, and the step's position
    /// among the parent's enabled steps.
    private struct Parent {
        var hash: UInt64
        var depth: Int32
        var action: Int32
    }

    /// The steps from the initial state to the state hashed `target`, then the parent's step
    /// `last` if given, replayed through the canonical states the search visited. Each
    /// canonical state renumbers the agents; the steps are told in the initial state's numbers.
    private func trace(to target: UInt64, then last: Int?, _ parents: [UInt64: Parent], _ initial: [UInt8]) -> [Step] {
        var path: [Int] = []
        var h = target
        while let entry = parents[h], entry.depth > 0 {
            path.append(Int(entry.action))
            h = entry.hash
        }
        path.reverse()
        if let last { path.append(last) }
        var steps: [Step] = []
        var state = initial
        var original = Array(0..<n)          // canonical agent i is agent original[i] of the initial state
        for k in path {
            load(state)
            let action = enabled()[k]
            var step = describe(action)
            step.event = renumber(step.event, original)
            step.transitions = step.transitions.map { renumber($0, original) }
            steps.append(step)
            load(state)
            if take(action) != nil { break }
            let (child, p) = canonical()
            var next = original
            for a in 0..<n { next[p[a]] = original[a] }
            original = next
            state = child
        }
        return steps
    }

    /// `text` with agent numbers (`core1`, `llc1`) mapped through `original`.
    private func renumber(_ text: String, _ original: [Int]) -> String {
        var out = ""
        var rest = Substring(text)
        while let r = rest.range(of: #"(core|llc)[0-9]"#, options: .regularExpression) {
            out += rest[..<r.lowerBound]
            let word = rest[r]
            let digit = Int(String(word.last!))!
            out += word.dropLast() + String(digit < original.count ? original[digit] : digit)
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    /// Takes `action` with the transitions logged.
    private func describe(_ action: Action) -> Step {
        log = []
        let text = name(action)
        let problem = take(action)
        defer { log = nil }
        return Step(event: text + (problem.map { "  => \($0)" } ?? ""), transitions: log ?? [])
    }

    private func name(_ action: Action) -> String {
        switch action {
        case .load(let a, let l): "core\(a) loads line \(l)"
        case .store(let a, let l): "core\(a) stores to line \(l)"
        case .evict(let a, let l): "core\(a) evicts line \(l)"
        case .replace(let a, let l): "llc\(a) replaces line \(l)"
        case .evictBlock: "the FPGA starts evicting its FMem block"
        case .deliver(let c, let i): "deliver \(channels[c]![i])"
        }
    }

    // MARK: Steps

    private func enabled() -> [Action] {
        var actions: [Action] = []
        for a in 0..<n {
            for l in 0..<UInt64(lineCount) where cores[a].pendingOperation(l) == nil {
                let s = cores[a].state(l)
                guard [.I, .S, .E, .M].contains(s) else { continue }
                actions.append(.load(a, l))
                actions.append(.store(a, l))
                if s != .I { actions.append(.evict(a, l)) }
            }
        }
        for a in 0..<n {
            for l in 0..<UInt64(lineCount) {
                let s = llcs[a].state(l)
                if [.S, .E, .M].contains(s), tables.llc.rowIndex(s, .Replace) != nil { actions.append(.replace(a, l)) }
            }
        }
        if configuration.home == .fpga && block == 0
            && (0..<UInt64(lineCount)).allSatisfy({ HomeController.isStable(home.state($0)) && home.parkedMessages($0).isEmpty }) {
            actions.append(.evictBlock)
        }
        for key in channels.keys.sorted() {
            let queue = channels[key]!
            for i in queue.indices {
                if configuration.ordering == .fifo && i > 0 { break }
                if configuration.home == .fpga && block == 1 && isRequestToHome(queue[i]) { continue }
                actions.append(.deliver(channel: key, index: i))
            }
        }
        return actions
    }

    private func isRequestToHome(_ m: CoherenceMessage) -> Bool {
        if case .home = m.destination { return [.RdShared, .RdOwn, .UpgradeReq].contains(m.kind) }
        return false
    }

    /// Takes `action` in the loaded state; a problem it met (a missing row, a failed check).
    private func take(_ action: Action) -> String? {
        failure = nil
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
                let message = channels[key]!.remove(at: i)
                if channels[key]!.isEmpty { channels[key] = nil }
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
            let quiet = cores.allSatisfy { $0.state(l) == .I && $0.parkedMessages(l).isEmpty }
                && llcs.allSatisfy { $0.state(l) == .I && $0.parkedMessages(l).isEmpty }
                && home.state(l) == .I && home.parkedMessages(l).isEmpty
                && !channels.values.contains { $0.contains { $0.line == l } }
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
        if let key = channels.keys.sorted().first { return "\(channels[key]!.count) message(s) in flight, first \(channels[key]![0])" }
        for l in 0..<UInt64(lineCount) {
            if !home.parkedMessages(l).isEmpty { return "home has parked messages on line \(l)" }
            for llc in llcs where !llc.parkedMessages(l).isEmpty { return "\(llc.name) has parked messages on line \(l)" }
        }
        if block == 1 { return "the FPGA's eviction is under way" }
        return nil
    }

    // MARK: States as bytes

    private func channelKey(_ s: Endpoint, _ d: Endpoint, _ c: Channel) -> Int { (code(s) << 8) | (code(d) << 2) | c.rawValue }
    private func code(_ e: Endpoint) -> Int {
        switch e {
        case .core(let i): i
        case .llc(let i): 8 + i
        case .home: 16
        }
    }
    private func endpoint(_ code: Int) -> Endpoint { code < 8 ? .core(code) : code < 16 ? .llc(code - 8) : .home(0) }

    /// The current state, encoded with agent `a` renumbered `p[a]`.
    private func encode(_ p: [Int]) -> [UInt8] {
        var inverse = [Int](repeating: 0, count: n)
        for a in 0..<n { inverse[p[a]] = a }
        func value(_ v: UInt64, _ l: Int) -> UInt8 { v == latest[l] ? 1 : v >= 2 ? UInt8(2 + p[Int(v - 2)]) : 0 }
        func agent(_ e: Endpoint) -> Int {
            switch e {
            case .core(let i): p[i]
            case .llc(let i): 8 + p[i]
            case .home: 16
            }
        }
        func mask(_ m: UInt64) -> UInt8 {
            var out: UInt8 = 0
            for a in 0..<n where m & (1 << UInt64(a)) != 0 { out |= 1 << UInt8(p[a]) }
            return out
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 * lineCount)
        func messages(_ list: [CoherenceMessage], _ l: Int) {
            bytes.append(UInt8(list.count))
            for m in list {
                bytes += [UInt8(m.kind.rawValue), UInt8(agent(m.source)), UInt8(agent(m.destination)), value(m.data, l)]
            }
        }
        for l in 0..<lineCount {
            let line = UInt64(l)
            for i in 0..<n {
                let a = inverse[i]
                let c = cores[a]
                let record = c.lines[line]
                bytes += [UInt8(record?.state.rawValue ?? 0), value(record?.data ?? 0, l)]
                switch c.pendingOperation(line) {
                case nil: bytes.append(0)
                case .load?: bytes.append(1)
                case .store(let v)?: bytes.append(value(v, l))
                }
                messages(c.parkedMessages(line), l)
                let r = llcs[a].lines[line] ?? LLCController.Line.empty
                bytes += [UInt8(r.state.rawValue), value(r.data, l), UInt8(r.sharers), UInt8(r.owner.map { $0 + 1 } ?? 0),
                          UInt8(r.requester), UInt8(r.acks)]
                messages(llcs[a].parkedMessages(line), l)
            }
            let h = home.lines[line] ?? HomeController.Line.empty
            // A stable entry's requester is left over from its last transaction: not state.
            let busy = !HomeController.isStable(h.state)
            bytes += [UInt8(h.state.rawValue), mask(h.sharers), UInt8(h.owner.map { p[$0] + 1 } ?? 0),
                      UInt8(busy ? p[h.requester] : 0), UInt8(h.responses), value(h.data, l),
                      value(home.memory[line] ?? (block == 2 ? 0 : 1), l), value(remote[l], l)]
            messages(home.parkedMessages(line), l)
        }
        bytes.append(UInt8(block))
        bytes.append(UInt8(recallsLeft))
        let keyed = channels.map { key, list -> (Int, [CoherenceMessage]) in
            let m = list[0]
            return ((agent(m.source) << 8) | (agent(m.destination) << 2) | m.kind.channel.rawValue, list)
        }.sorted { $0.0 < $1.0 }
        bytes.append(UInt8(keyed.count))
        for (key, list) in keyed {
            bytes += [UInt8(key >> 8), UInt8(key & 0xff), UInt8(list.count)]
            for m in list { bytes += [UInt8(m.kind.rawValue), UInt8(m.line), value(m.data, Int(m.line))] }
        }
        return bytes
    }

    /// The current state in its canonical encoding: the smallest over renumberings of the
    /// agents, and the renumbering (agent `a` became `p[a]`).
    private func canonical() -> (bytes: [UInt8], p: [Int]) {
        var best = encode(permutations[0]), bestP = permutations[0]
        for p in permutations.dropFirst() {
            let e = encode(p)
            if e.lexicographicallyPrecedes(best) { (best, bestP) = (e, p) }
        }
        return (best, bestP)
    }

    /// Makes the controllers, channels and FPGA hold the state `bytes` encodes.
    private func load(_ bytes: [UInt8]) {
        var i = 0
        func next() -> UInt8 { defer { i += 1 }; return bytes[i] }
        func value() -> UInt64 { UInt64(next()) }
        func messages(_ line: UInt64) -> [CoherenceMessage] {
            (0..<Int(next())).map { _ in
                let kind = MessageKind(rawValue: Int(next()))!
                let source = endpoint(Int(next())), destination = endpoint(Int(next()))
                return CoherenceMessage(kind, line: line, from: source, to: destination, data: value())
            }
        }
        var coreLines = [[(UInt64, CoreComplexController.Line)]](repeating: [], count: n)
        var pending = [[(UInt64, CoreComplexController.Operation)]](repeating: [], count: n)
        var coreParked = [[(UInt64, [CoherenceMessage])]](repeating: [], count: n)
        var llcLines = [[(UInt64, LLCController.Line)]](repeating: [], count: n)
        var llcParked = [[(UInt64, [CoherenceMessage])]](repeating: [], count: n)
        var homeLines: [(UInt64, HomeController.Line)] = [], memory: [(UInt64, UInt64)] = [], homeParked: [(UInt64, [CoherenceMessage])] = []
        for l in 0..<lineCount {
            let line = UInt64(l)
            for a in 0..<n {
                var c = CoreComplexController.Line.empty
                c.state = CoreComplexProtocol.State(rawValue: Int(next()))!
                c.data = value()
                coreLines[a].append((line, c))
                switch next() {
                case 0: break
                case 1: pending[a].append((line, .load))
                case let v: pending[a].append((line, .store(value: UInt64(v))))
                }
                coreParked[a].append((line, messages(line)))
                var r = LLCController.Line.empty
                r.state = LLCProtocol.State(rawValue: Int(next()))!
                r.data = value()
                r.sharers = value()
                let owner = Int(next())
                r.owner = owner == 0 ? nil : owner - 1
                r.requester = Int(next())
                r.acks = Int(next())
                llcLines[a].append((line, r))
                llcParked[a].append((line, messages(line)))
            }
            var h = HomeController.Line.empty
            h.state = HomeProtocol.State(rawValue: Int(next()))!
            h.sharers = value()
            let owner = Int(next())
            h.owner = owner == 0 ? nil : owner - 1
            h.requester = Int(next())
            h.responses = Int(next())
            h.data = value()
            homeLines.append((line, h))
            memory.append((line, value()))
            remote[l] = value()
            homeParked.append((line, messages(line)))
        }
        block = Int(next())
        recallsLeft = Int(next())
        for a in 0..<n {
            cores[a].restore(lines: coreLines[a], pending: pending[a], parked: coreParked[a])
            llcs[a].restore(lines: llcLines[a], parked: llcParked[a])
        }
        home.restore(lines: homeLines, memory: block == 2 ? [] : memory, parked: homeParked)
        channels = [:]
        for _ in 0..<Int(next()) {
            let high = Int(next()), low = Int(next())
            let source = endpoint(high), destination = endpoint(low >> 2)
            var list: [CoherenceMessage] = []
            for _ in 0..<Int(next()) {
                let kind = MessageKind(rawValue: Int(next()))!
                let line = UInt64(next())
                list.append(CoherenceMessage(kind, line: line, from: source, to: destination, data: value()))
            }
            channels[channelKey(source, destination, list[0].kind.channel)] = list
        }
        for l in 0..<lineCount { latest[l] = 1 }
    }

    /// Everything a state is, as values (copies share storage until changed).
    private struct Saved {
        var cores: [CoreComplexController.Contents]
        var llcs: [LLCController.Contents]
        var home: HomeController.Contents
        var channels: [Int: [CoherenceMessage]]
        var block: Int
        var recallsLeft: Int
        var remote: [UInt64]
    }

    private func save() -> Saved {
        Saved(cores: cores.map(\.contents), llcs: llcs.map(\.contents), home: home.contents, channels: channels,
              block: block, recallsLeft: recallsLeft, remote: remote)
    }

    private func restore(_ s: Saved) {
        for a in 0..<n {
            cores[a].contents = s.cores[a]
            llcs[a].contents = s.llcs[a]
        }
        home.contents = s.home
        channels = s.channels
        block = s.block
        recallsLeft = s.recallsLeft
        remote = s.remote
        for l in 0..<lineCount { latest[l] = 1 }
    }

    /// A 64-bit hash of an encoded state (FNV-1a, then a final mix).
    private func hash(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
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
