import KonaEngine
import KonaHardware
import KonaProtocol

/// The random coherence tester, in the spirit of gem5's Ruby random tester: many cores,
/// few lines, random loads, stores and evictions (core and LLC) with random message
/// delays, checking at every step that
/// - a line has at most one writer, and no reader while it has one (SWMR);
/// - every load sees the latest value stored in coherence order;
/// - every operation completes within an age bound (no deadlock, no livelock);
/// and at the end that nothing is left waiting and the coherent value of every line is
/// the last value written.
///
/// The lines' home is the CPU's home agent (`HomeProtocol.table`) or the FPGA's
/// (`HomeProtocol.fpgaTable` behind `StressFPGAHome`). With the FPGA, blocks of
/// `linesPerBlock` lines are chosen for eviction at random moments and shortly before each
/// writeback arrives; a chosen block is evicted as soon as its lines' directory states are all
/// stable (its lines recalled, requests for it held, its dirty lines written to remote
/// memory) and fetched again when requested. The final value of a line is then looked for in
/// FMem or remote memory.
public final class CoherenceStress: CoherenceNetwork {
    /// Which home agent the tester's lines have.
    public enum Home: String, Sendable, CaseIterable {
        /// The CPU's home agent: the home table in front of memory.
        case cpu
        /// The FPGA's: the FPGA table in front of FMem and remote memory, with random evictions.
        case fpga
        /// The FPGA's with a non-inclusive FMem: evictions release the lines the sockets hold.
        case fpgaNonInclusive = "fpga_non_inclusive"
    }

    /// What to run.
    public struct Configuration: Sendable {
        public var sockets = 1
        public var coresPerSocket = 4
        public var lines = 4
        public var operations = 10_000
        public var seed: UInt64 = 1
        public var variant = ProtocolVariant()
        /// Message delays are uniform in 1...maxDelay ticks, except 1 in 64, which is 5-64x longer.
        public var maxDelay: UInt64 = 40
        /// An operation not done after this many ticks is a livelock or deadlock.
        public var ageBound: UInt64 = 200_000
        /// The lines' home agent.
        public var home = Home.cpu
        /// FPGA home: lines per FMem block (consecutive lines; an eviction recalls a block's lines together).
        public var linesPerBlock = 2
        /// FPGA home: while operations are still being issued, a random block is chosen for
        /// eviction every 1...evictionGap ticks (it is evicted once its lines are all stable).
        public var evictionGap: UInt64 = 1_000
        public init() {}
    }

    /// A failed check, with the history that explains it.
    public struct Violation: Error, CustomStringConvertible {
        public var seed: UInt64
        public var time: Tick
        public var line: UInt64?
        public var problem: String
        public var history: [String]

        public var description: String {
            var text = "violation (seed \(seed)) at t=\(time)" + (line.map { " on line \($0)" } ?? "") + ": \(problem)"
            if !history.isEmpty {
                text += "\nlast events touching the line:\n" + history.map { "  " + $0 }.joined(separator: "\n")
            }
            return text
        }
    }

    /// Row hit counts of every controller, merged per table.
    public struct Coverage {
        public var core: RowCoverage
        public var llc: RowCoverage
        /// The CPU home table's rows (runs with the CPU home).
        public var home: RowCoverage?
        /// The FPGA table's rows (runs with the FPGA home).
        public var fpga: RowCoverage?
        /// The non-inclusive FPGA table's rows (runs with that home).
        public var fpgaNonInclusive: RowCoverage?

        /// Adds another run's counts (same variant).
        public mutating func merge(_ other: Coverage) {
            core.merge(other.core); llc.merge(other.llc)
            home = Self.merged(home, other.home)
            fpga = Self.merged(fpga, other.fpga)
            fpgaNonInclusive = Self.merged(fpgaNonInclusive, other.fpgaNonInclusive)
        }

        private static func merged(_ a: RowCoverage?, _ b: RowCoverage?) -> RowCoverage? {
            guard var a else { return b }
            if let b { a.merge(b) }
            return a
        }
    }

    private enum Kind: UInt32 { case deliver = 1, operate = 2, evict = 3, advance = 4, choose = 5 }

    private struct LogEntry {
        var time: Tick
        var text: () -> String
    }

    /// The component the simulator runs: it holds the tester unowned, since the tester owns
    /// the simulator and the simulator its components (a tester registered itself would keep
    /// itself alive, and a campaign would keep every run's controllers and histories).
    private final class Relay: Component {
        let path = "stress"
        unowned(unsafe) let tester: CoherenceStress
        init(_ tester: CoherenceStress) { self.tester = tester }
        func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) { tester.handle(event) }
        func outstandingTransactions() -> [String] { tester.outstandingTransactions() }
    }

    public let configuration: Configuration
    private let simulator = Simulator()
    private var id = ComponentID(raw: 0)
    private var random: RandomStream
    public private(set) var cores: [CoreComplexController] = []
    public private(set) var llcs: [LLCController] = []
    /// The home's directory (the FPGA's, with `Home.fpga`).
    public private(set) var home: DirectoryController!
    private var fpga: StressFPGAHome?
    private let pool = MessagePool()
    private var golden: [UInt64]
    private var nextValue: UInt64 = 1
    private var issued = 0
    private var pending: [Int: [UInt64: Tick]] = [:]     // core -> line -> issue time
    private var history: [[LogEntry]]
    private var failure: Violation?
    /// Operations completed.
    public private(set) var completed = 0
    /// Messages delivered.
    public private(set) var delivered = 0
    /// FPGA home: blocks evicted.
    public var evictions: Int { fpga?.evictions ?? 0 }
    /// FPGA home: lines the evictions recalled from the sockets.
    public var recalls: Int { fpga?.recalls ?? 0 }
    /// Non-inclusive FPGA home: lines the evictions left with the sockets, and dirty
    /// writebacks that went straight to remote memory.
    public var releases: Int { fpga?.releases ?? 0 }
    public var remoteWrites: Int { fpga?.remoteWrites ?? 0 }

    /// A tester for `configuration`, optionally with altered tables (to show a broken entry is
    /// caught); `homeTable` replaces the home's table (the FPGA's with `Home.fpga`).
    public init(_ configuration: Configuration, coreTable: CoreComplexProtocol.Table? = nil,
                llcTable: LLCProtocol.Table? = nil, homeTable: HomeProtocol.Table? = nil) {
        self.configuration = configuration
        self.random = RandomStream(seed: configuration.seed, path: "stress")
        self.golden = [UInt64](repeating: 0, count: configuration.lines)
        self.history = [[LogEntry]](repeating: [], count: configuration.lines)
        let v = configuration.variant
        id = simulator.register(Relay(self))
        switch configuration.home {
        case .cpu:
            home = DirectoryController(index: 0, table: homeTable ?? HomeProtocol.table(v), network: self)
        case .fpga, .fpgaNonInclusive:
            let inclusion: FMemInclusion = configuration.home == .fpga ? .inclusive : .nonInclusive
            let fpga = StressFPGAHome(lines: configuration.lines, linesPerBlock: configuration.linesPerBlock,
                                      table: homeTable ?? HomeProtocol.fpgaTable(v, inclusion: inclusion), inclusion: inclusion,
                                      network: self)
            fpga.later = { [unowned self] b in
                self.simulator.schedule(at: self.simulator.now + self.randomDelay(), target: self.id,
                                        kind: Kind.advance.rawValue, payload: b)
            }
            fpga.onViolation = { [unowned self] line, problem in self.fail(line: line, problem) }
            fpga.onEviction = { [unowned self, unowned fpga] b in
                for line in fpga.lines(of: b) {
                    let state = self.home.state(line).name
                    self.log(line) { "fpga evicts block \(b): line \(line) is \(state)" }
                }
            }
            self.fpga = fpga
            home = fpga.controller
        }
        for s in 0..<configuration.sockets {
            let llc = LLCController(socket: s, firstCore: s * configuration.coresPerSocket, cores: configuration.coresPerSocket,
                                    table: llcTable ?? LLCProtocol.table(v), network: self, homeOf: { _ in .home(0) })
            llcs.append(llc)
            for k in 0..<configuration.coresPerSocket {
                let core = CoreComplexController(index: s * configuration.coresPerSocket + k, llc: .llc(s),
                                                 table: coreTable ?? CoreComplexProtocol.table(v), network: self)
                cores.append(core)
            }
        }
        for core in cores {
            let c = core.index
            core.onComplete = { [unowned self] line, operation, value in self.completed(core: c, line: line, operation, value) }
            core.onTransition = { [unowned self] line, before, event, after in
                self.log(line) { "core\(c): \(before.name) --\(event.name)--> \(after.name)" }
                self.checkSWMR(line)
            }
        }
        for llc in llcs {
            let s = llc.socket
            llc.onTransition = { [unowned self] line, before, event, after in
                self.log(line) { "llc\(s): \(before.name) --\(event.name)--> \(after.name)" }
            }
        }
        home.onTransition = { [unowned self] line, before, event, after in
            self.log(line) { "home: \(before.name) --\(event.name)--> \(after.name)" }
        }
    }

    // MARK: Running

    /// Runs the test. Throws the first violation.
    public func run() throws -> Coverage {
        for c in cores.indices {
            simulator.schedule(at: random.next(below: 10), target: id, kind: Kind.operate.rawValue, payload: UInt64(c))
        }
        if fpga != nil {
            simulator.schedule(at: 1 + random.next(below: configuration.evictionGap), target: id, kind: Kind.evict.rawValue)
        }
        do {
            try simulator.run()
        } catch {
            if let failure { throw failure }
            throw Violation(seed: configuration.seed, time: simulator.now, line: nil, problem: error.description, history: [])
        }
        if let failure { throw failure }
        try checkQuiescent()
        return Coverage(core: merged(cores.map(\.coverage)), llc: merged(llcs.map(\.coverage)),
                        home: configuration.home == .cpu ? home.coverage : nil,
                        fpga: configuration.home == .fpga ? home.coverage : nil,
                        fpgaNonInclusive: configuration.home == .fpgaNonInclusive ? home.coverage : nil)
    }

    private func merged(_ all: [RowCoverage]) -> RowCoverage {
        var total = all[0]
        for other in all.dropFirst() { total.merge(other) }
        return total
    }

    private func handle(_ event: Event) {
        do {
            switch Kind(rawValue: event.kind)! {
            case .deliver:
                let slot = Int(event.payload)
                let message = pool.take(slot)
                delivered += 1
                log(message.line) { "deliver \(message)" }
                switch message.destination {
                case .core(let c): try cores[c].receive(message)
                case .llc(let s): try llcs[s].receive(message)
                case .home:
                    if let fpga {
                        if let phase = try fpga.receive(message) { log(message.line) { "fpga holds it: its block is \(phase)" } }
                    } else {
                        try home.receive(message)
                    }
                }
            case .operate:
                try operate(core: Int(event.payload))
            case .evict:
                try evict()
            case .choose:
                try fpga!.chooseForEviction(event.payload)
            case .advance:
                let b = event.payload
                let step = fpga!.phases[Int(b)] == .writing ? "write-back" : "fetch"
                for line in fpga!.lines(of: b) { log(line) { "fpga: block \(b)'s \(step) completes" } }
                try fpga!.advance(b)
            }
            try fpga?.evictDrained()
        } catch {
            fail(line: error.line, error.description)
        }
        if failure != nil {
            simulator.requestStop("violation")
            return
        }
        if delivered % 64 == 0 { checkAges() }
    }

    private func outstandingTransactions() -> [String] {
        pending.flatMap { core, lines in lines.map { "core\(core) waits on line \($0.key) since t=\($0.value)" } }
            + (fpga?.unsettled() ?? [])
    }

    /// CoherenceNetwork: deliver after a random delay. With the FPGA home, writebacks take
    /// the long delay 1 in 8 times, and one in four chooses its block for eviction up to
    /// 2 x maxDelay ticks before it arrives, so that recalls often cross writebacks in flight,
    /// even ones overtaken by later transactions on the line.
    public func send(_ message: CoherenceMessage) {
        let slot = pool.store(message)
        let writeback = fpga != nil && [.WbDirty, .WbClean, .WbShared].contains(message.kind)
        let delay = randomDelay(tail: writeback ? 8 : 64)
        simulator.schedule(at: simulator.now + delay, target: id, kind: Kind.deliver.rawValue, payload: UInt64(slot))
        if let fpga, writeback, random.next(below: 4) == 0 {
            let lead = 1 + random.next(below: 2 * configuration.maxDelay)
            simulator.schedule(at: simulator.now + (delay > lead ? delay - lead : 0), target: id, kind: Kind.choose.rawValue,
                               payload: fpga.block(of: message.line))
        }
    }

    /// Mostly short delays, with a heavy tail (1 in `tail` waits 5-64 times longer), so that
    /// rare crossings (a writeback overtaken by several transactions) happen.
    private func randomDelay(tail: UInt64 = 64) -> Tick {
        var delay = 1 + random.next(below: configuration.maxDelay)
        if random.next(below: tail) == 0 { delay *= 5 + random.next(below: 60) }
        return delay
    }

    /// FPGA home: chooses a random block for eviction (it is evicted once its lines are all
    /// stable), then schedules the next choice.
    private func evict() throws(ProtocolViolation) {
        guard issued < configuration.operations, let fpga else { return }
        try fpga.chooseForEviction(random.next(below: UInt64(fpga.blocks)))
        simulator.schedule(at: simulator.now + 1 + random.next(below: configuration.evictionGap), target: id,
                           kind: Kind.evict.rawValue)
    }

    private func operate(core c: Int) throws(ProtocolViolation) {
        guard issued < configuration.operations else { return }
        let core = cores[c]
        let line = random.next(below: UInt64(configuration.lines))
        let state = core.state(line)
        let stable = [.I, .S, .E, .M].contains(state)
        if stable && !core.isBusy(line) {
            let roll = random.next(below: 100)
            if roll < 5 {
                let llc = llcs[c / configuration.coresPerSocket]
                if [.S, .E, .M].contains(llc.state(line)) {
                    issued += 1
                    log(line) { "llc\(llc.socket) replaces" }
                    try llc.replace(line)
                }
            } else if roll < 20 {
                if state != .I {
                    issued += 1
                    log(line) { "core\(c) evicts" }
                    try core.evict(line)
                }
            } else if roll < 60 {
                issued += 1
                pending[c, default: [:]][line] = simulator.now
                log(line) { "core\(c) loads" }
                try core.load(line)
            } else {
                issued += 1
                let value = nextValue
                nextValue += 1
                pending[c, default: [:]][line] = simulator.now
                log(line) { "core\(c) stores \(value)" }
                try core.store(line, value: value)
            }
        }
        simulator.schedule(at: simulator.now + 1 + random.next(below: 2 * configuration.maxDelay), target: id,
                           kind: Kind.operate.rawValue, payload: UInt64(c))
    }

    // MARK: Checks

    private func completed(core c: Int, line: UInt64, _ operation: CoreComplexController.Operation, _ value: UInt64) {
        pending[c]?[line] = nil
        completed += 1
        switch operation {
        case .load:
            log(line) { "core\(c) load sees \(value)" }
            if value != golden[Int(line)] {
                fail(line: line, "core\(c) loaded \(value), but the latest value stored is \(golden[Int(line)])")
            }
        case .store(let v):
            log(line) { "core\(c) store of \(v) performed" }
            golden[Int(line)] = v
        }
    }

    private func checkSWMR(_ line: UInt64) {
        if let problem = singleWriterViolation(cores, line) { fail(line: line, problem) }
    }

    private func checkAges() {
        for (c, lines) in pending {
            for (line, since) in lines where simulator.now - since > configuration.ageBound {
                fail(line: line, "core\(c)'s operation on line \(line), issued at t=\(since), has not completed (deadlock or livelock)")
                return
            }
        }
    }

    private func checkQuiescent() throws {
        if let (c, lines) = pending.first(where: { !$0.value.isEmpty }) {
            throw Violation(seed: configuration.seed, time: simulator.now, line: lines.keys.first,
                            problem: "core\(c) still waits at the end", history: historyText(lines.keys.first!))
        }
        if let unsettled = fpga?.unsettled().first {
            throw Violation(seed: configuration.seed, time: simulator.now, line: nil, problem: unsettled + " at the end", history: [])
        }
        for line in 0..<UInt64(configuration.lines) {
            let expected = golden[Int(line)]
            for core in cores where [.S, .E, .M].contains(core.state(line)) {
                if core.lines[line]!.data != expected {
                    throw Violation(seed: configuration.seed, time: simulator.now, line: line,
                                    problem: "core\(core.index) holds \(core.lines[line]!.data), last written \(expected)",
                                    history: historyText(line))
                }
            }
            let coherent: UInt64
            if let owner = cores.first(where: { [.E, .M].contains($0.state(line)) }) {
                coherent = owner.lines[line]!.data
            } else if let llc = llcs.first(where: { $0.state(line) == .M }) {
                coherent = llc.lines[line]!.data
            } else if let llc = llcs.first(where: { [.S, .E].contains($0.state(line)) }), cores.allSatisfy({ $0.state(line) != .M }) {
                coherent = llc.lines[line]!.data
            } else {
                coherent = fpga?.homeValue(line) ?? home.memory[line] ?? 0
            }
            if coherent != expected {
                throw Violation(seed: configuration.seed, time: simulator.now, line: line,
                                problem: "the coherent value at the end is \(coherent), last written \(expected)",
                                history: historyText(line))
            }
        }
    }

    private func log(_ line: UInt64, _ text: @escaping () -> String) {
        let i = Int(line)
        guard i < history.count else { return }
        if history[i].count == 48 { history[i].removeFirst(16) }
        history[i].append(LogEntry(time: simulator.now, text: text))
    }

    private func historyText(_ line: UInt64) -> [String] {
        history[Int(line)].suffix(32).map { "t=\($0.time) \($0.text())" }
    }

    private func fail(line: UInt64?, _ problem: String) {
        guard failure == nil else { return }
        failure = Violation(seed: configuration.seed, time: simulator.now, line: line, problem: problem,
                            history: line.map(historyText) ?? [])
    }
}
