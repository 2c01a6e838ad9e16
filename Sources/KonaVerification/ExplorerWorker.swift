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
    let n: Int
    let lineCount: Int
    private(set) var cores: [CoreComplexController] = []
    private(set) var llcs: [LLCController] = []
    private(set) var home: DirectoryController!
    /// Messages in flight by channel, in order of the channels' keys (source, destination,
    /// line, virtual channel); no channel empty.
    var channels: [(key: Int, messages: [CoherenceMessage])] = []
    /// The value of the last store performed on each line (1: the state's latest value).
    var latest: [UInt64]
    /// FPGA: the block is resident (0), being evicted (1) or absent (2); recalls outstanding;
    /// remote memory's values.
    var block = 0
    var recallsLeft = 0
    var remote: [UInt64]
    /// Operations (loads, stores, evictions, replacements, FPGA evictions) still allowed to
    /// start, with `configuration.operations`.
    var operationsLeft = Int.max
    var failure: String?
    /// The controllers a step changed since the state was saved (bit `a`: core `a`, `8 + a`:
    /// LLC `a`, 16: the home): every change to a controller goes through a transition (a
    /// stall's included), whose report sets its bit, so `restore` puts back only those.
    var touched: UInt32 = 0
    /// The transitions of the step being described (counterexamples only).
    var log: [String]?
    let permutations: [[Int]]
    /// `inverses[j][p[a]] == a` for `p = permutations[j]`.
    let inverses: [[Int]]

    /// Buffers reused from state to state: the state being loaded, the states before and
    /// after a step, the agents' signatures, an encoding being compared.
    var loaded: ExplorerState
    var before: ExplorerState
    var after: ExplorerState
    var signatures: [[UInt8]]
    var scratch: [UInt8] = []
    var best: [UInt8] = []
    /// The canonical encodings of the successors `expand` produced (emptied by the caller).
    var successors = StateArena()

    init(_ configuration: ProtocolExplorer.Configuration) {
        self.configuration = configuration
        tables = configuration.tables ?? ProtocolTables(configuration.variant)
        homeTable = switch configuration.home {
        case .cpu: tables.home
        case .fpga: tables.fpga
        case .fpgaNonInclusive: tables.fpgaNonInclusive
        }
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
        home = DirectoryController(index: 0, table: homeTable, network: self)
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
        if configuration.home == .fpgaNonInclusive {
            // The block is out (2) or resident (0; never leaving, 1: its eviction is atomic).
            home.lineBacked = { [unowned self] _ in self.block == 0 }
            home.onRemoteWrite = { [unowned self] line, value in self.remote[Int(line)] = value }
        }
        block = configuration.home.isFPGA ? 2 : 0      // FMem starts empty, as in the SPIN model
        operationsLeft = configuration.operations ?? Int.max
        setHomeMemory(configuration.home.isFPGA ? [] : (0..<configuration.addresses).map { (UInt64($0), 1) })
    }

    /// The initial state's canonical encoding.
    func initialState() -> [UInt8] { canonical().bytes }

    /// Replaces the home's memory (FMem, for the FPGA), keeping its records and parked messages.
    func setHomeMemory(_ values: [(UInt64, UInt64)]) {
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

    /// The lists `load` hands the controllers, kept from state to state for their storage.
    struct Records {
        var homeLines: [(UInt64, DirectoryController.Line)] = []
        var memory: [(UInt64, UInt64)] = []
        var homeParked: [(UInt64, [CoherenceMessage])] = []
        var coreLines: [(UInt64, CoreComplexController.Line)] = []
        var pending: [(UInt64, CoreComplexController.Operation)] = []
        var coreParked: [(UInt64, [CoherenceMessage])] = []
        var llcLines: [(UInt64, LLCController.Line)] = []
        var llcParked: [(UInt64, [CoherenceMessage])] = []
    }
    var records = Records()
}
