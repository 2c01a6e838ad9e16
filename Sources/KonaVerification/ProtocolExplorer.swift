#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import KonaEngine
import KonaHardware
import KonaProtocol

/// `konasim verify`: explores every reachable state of a small system, breadth first, with
/// the very controllers the timed model runs (`CoreComplexController`, `LLCController`,
/// `DirectoryController`: the tables' one executor), not a model written beside them.
///
/// The system: `agents` sockets, each an LLC with one core complex, and one home (the CPU's
/// table, or the FPGA's with an FMem of one block holding every line: once every line's
/// directory state is stable an eviction may start at any moment, recalling the lines the
/// sockets hold; requests wait while it runs, and the block is fetched again on the next
/// request; with a non-inclusive FMem the eviction releases the held lines instead and the
/// block is out at once, its values in remote memory, where an owner's dirty writeback then
/// goes), over `addresses` lines. A step is a core's load, store or eviction of a line
/// (stable, no operation pending), an LLC's replacement of a stable line, an FPGA eviction,
/// or the delivery of a message: the oldest of a channel (source, destination, virtual
/// channel) and line with FIFO ordering, any with unordered. Data values are abstracted to
/// latest or stale (a pending store's fresh value is its own), so the state space is finite.
///
/// In every state: single writer or multiple readers per line; a load returns the value of
/// the last store performed on its line; a line no cache holds, with no data in flight, has
/// its latest value at home (memory, FMem or remote memory), which also holds after every
/// FPGA eviction; a `(state, event)` without a row is a violation; a state with work left
/// (an operation pending, a message in flight or parked, an eviction under way) and no step
/// enabled is a deadlock. Over the whole graph (without the reduction): every pending
/// operation can still complete from every reachable state (no livelock without escape).
///
/// States are packed into bytes (`ExplorerState`), canonical under permutations of the agents
/// (symmetry reduction: the smallest encoding over all permutations), and the visited set
/// keeps a 64-bit hash per state (hash compaction; a collision, with probability about
/// n^2 / 2^65, could hide a state). With several lines a partial-order reduction takes only
/// one line's steps where that stands for all (`ExplorerWorker.expand`): the ample-set
/// conditions, with the breadth-first cycle proviso (a state whose reduced successors include
/// one already seen is expanded fully). `jobs` threads expand each batch of states.
public final class ProtocolExplorer {
    /// The lines' home agent.
    public enum Home: String, Sendable, CaseIterable {
        case cpu, fpga
        /// The FPGA's with a non-inclusive FMem: an eviction releases the held lines at once.
        case fpgaNonInclusive = "fpga_non_inclusive"
        /// Whether the home is the FPGA's (FMem of one block), in either inclusion.
        public var isFPGA: Bool { self != .cpu }
    }
    /// How the interconnect may reorder messages: in order per channel and line, or not at all.
    public enum Ordering: String, Sendable, CaseIterable { case fifo, unordered }

    /// What to explore.
    public struct Configuration: Sendable {
        public var agents = 2
        public var addresses = 1
        public var home = Home.cpu
        public var ordering = Ordering.fifo
        public var variant = ProtocolVariant()
        /// Replaces the variant's tables (`ProtocolBreakage` breaks them on purpose).
        public var tables: ProtocolTables?
        /// Stop (and say so) after this many states.
        public var maxStates = 50_000_000
        /// The partial-order reduction, with more than one line.
        public var reduction = true
        /// The livelock check over the whole graph (without the reduction; it keeps every edge).
        public var livelock = true
        /// A bound on the operations started (loads, stores, evictions, LLC replacements, FPGA
        /// evictions; deliveries are free): every interleaving of that many, to quiescence.
        /// Nil: no bound.
        public var operations: Int?
        /// Threads expanding states.
        public var jobs = 1
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

    /// Whether the livelock check ran, and what it covered.
    public enum LivelockCheck: Sendable, Equatable {
        /// Every pending operation can complete from every reachable state.
        case passed(operations: Int)
        /// An operation can never complete (the report's violation says which, and where).
        case failed
        case notChecked(reason: String)
    }

    /// What an exploration found.
    public struct Report: Sendable {
        public var states = 0
        public var transitions = 0
        public var depth = 0
        /// States whose successors the partial-order reduction cut to one line's.
        public var reducedStates = 0
        public var seconds = 0.0
        public var peakMemoryBytes = 0
        public var truncated = false
        public var livelock = LivelockCheck.notChecked(reason: "not run")
        public var coverage: [TableCoverage] = []
        public var violation: Violation?
        public var statesPerSecond: Double { seconds > 0 ? Double(states) / seconds : 0 }
    }

    public let configuration: Configuration
    /// States expanded between merges into the visited set (and the reduction's view of it).
    private static let batchSize = 4096

    public init(_ configuration: Configuration) {
        precondition(configuration.agents >= 1 && configuration.agents <= 4 && configuration.addresses >= 1 && configuration.addresses <= 8)
        precondition(configuration.jobs >= 1)
        self.configuration = configuration
    }

    /// The explored graph, kept for the livelock check: each state's pending operations (bits
    /// `line * agents + agent`), and its edges (their targets and renumberings), stored state
    /// after state as the search expands them in order: 5 bytes an edge.
    struct Graph {
        var pending: [UInt32] = []
        /// Where each state's edges end in `to` (states past its end have none).
        private(set) var edgeEnd: [Int] = []
        private(set) var to: [UInt32] = []
        private(set) var permutation: [UInt8] = []

        /// Adds an edge; sources come in nondecreasing order.
        mutating func addEdge(from source: Int, to target: Int, permutation p: UInt8) {
            precondition(source >= edgeEnd.count - 1, "edges are added in order of their sources")
            while edgeEnd.count <= source { edgeEnd.append(to.count) }
            to.append(UInt32(target))
            permutation.append(p)
            edgeEnd[source] = to.count
        }

        /// The indices in `to` of state `s`'s edges.
        func edges(from s: Int) -> Range<Int> {
            s < edgeEnd.count ? (s == 0 ? 0 : edgeEnd[s - 1])..<edgeEnd[s] : to.count..<to.count
        }
    }

    // MARK: Exploration

    /// Where a running exploration is: states found, their depth, states waiting at that depth.
    public struct Progress: Sendable {
        public var states: Int
        public var depth: Int
        public var waiting: Int
        public var seconds: Double
    }

    /// Explores every reachable state breadth first; the report holds the first violation,
    /// with its shortest trace. `progress` is called after each batch of states.
    public func run(progress: ((Progress) -> Void)? = nil) -> Report {
        let start = ContinuousClock.now
        var report = Report()
        let workers = (0..<configuration.jobs).map { _ in ExplorerWorker(configuration) }
        let reduce = configuration.reduction && configuration.addresses > 1
        let keepGraph = configuration.livelock && !reduce
        let initial = workers[0].initialState()
        var visited = VisitedStates()
        _ = visited.insert(Self.hash(initial), parent: 0, action: 0)
        var graph = Graph()
        if keepGraph { graph.pending.append(0) }
        var frontier = StateArena(), next = StateArena()
        frontier.append(initial)
        var frontierStart = 0      // the number of the frontier's first state
        var depth = 0
        search: while frontier.count > 0 {
            next.removeAll()
            for batchStart in stride(from: 0, to: frontier.count, by: Self.batchSize) {
                let batch = batchStart..<min(batchStart + Self.batchSize, frontier.count)
                let results = expand(frontier, batch, workers, reduce: reduce, visited)
                if let progress {
                    progress(Progress(states: visited.count, depth: depth, waiting: frontier.count - batch.upperBound,
                                      seconds: Self.seconds(since: start)))
                }
                for (i, r) in zip(batch, results) {
                    report.transitions += r.transitions
                    if !r.full { report.reducedStates += 1 }
                    let parent = frontierStart + i
                    if keepGraph { graph.pending[parent] = r.pending }
                    if let (problem, action) = r.violation {
                        report.violation = Violation(problem: problem,
                                                     trace: trace(to: parent, then: action, visited, initial, workers[0]))
                        break search
                    }
                    let out = workers[i % workers.count].successors
                    for child in r.children {
                        let (index, new) = visited.insert(child.hash, parent: parent, action: Int(child.action))
                        if new {
                            next.append(out[child.index])
                            if keepGraph { graph.pending.append(0) }
                        }
                        if keepGraph {
                            graph.addEdge(from: parent, to: index, permutation: child.permutation)
                        }
                        if visited.count >= configuration.maxStates { report.truncated = true; break search }
                    }
                }
            }
            if next.count > 0 { depth += 1 }
            frontierStart += frontier.count
            swap(&frontier, &next)
        }
        report.states = visited.count
        report.depth = depth
        if report.violation == nil && !report.truncated {
            if keepGraph {
                report.livelock = .passed(operations: configuration.agents * configuration.addresses)
                if let (index, op) = Self.livelock(graph, agents: configuration.agents, lines: configuration.addresses,
                                                   inverses: workers[0].inverses) {
                    let (l, a) = (op / configuration.agents, op % configuration.agents)
                    var numbering: [Int] = []
                    let steps = trace(to: index, then: nil, visited, initial, workers[0], numbering: &numbering)
                    report.livelock = .failed
                    report.violation = Violation(problem: "livelock: after these steps, core\(numbering[a])'s operation on line \(l) can never complete",
                                                 trace: steps)
                }
            } else {
                report.livelock = .notChecked(reason: reduce ? "the partial-order reduction keeps only part of the graph" : "turned off")
            }
        }
        report.seconds = Self.seconds(since: start)
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        report.peakMemoryBytes = Int(usage.ru_maxrss) * 1024
        let w = workers[0]
        report.coverage = [coverage(w.tables.core, workers.flatMap { $0.cores.map(\.coverage) }),
                           coverage(w.tables.llc, workers.flatMap { $0.llcs.map(\.coverage) }),
                           coverage(w.homeTable, workers.map { $0.home.coverage })]
        return report
    }

    /// Expands the states `batch` of `states` on `workers` (state `i` on worker `i % jobs`,
    /// whose `successors` then hold its successors' encodings), each reading the visited set
    /// as it was before the batch: the results do not depend on the number of threads.
    private func expand(_ states: StateArena, _ batch: Range<Int>, _ workers: [ExplorerWorker], reduce: Bool,
                        _ visited: VisitedStates) -> [ExplorerWorker.Expansion] {
        let jobs = workers.count
        let results = UnsafeMutableBufferPointer<ExplorerWorker.Expansion>.allocate(capacity: batch.count)
        results.initialize(repeating: ExplorerWorker.Expansion())
        defer { results.deallocate() }
        for w in workers { w.successors.removeAll() }
        if jobs == 1 {
            for i in batch { results[i - batch.lowerBound] = workers[0].expand(states[i], reduce: reduce) { visited.contains($0) } }
        } else {
            nonisolated(unsafe) let (shared, box) = (results, workers)
            DispatchQueue.concurrentPerform(iterations: jobs) { w in
                let first = batch.lowerBound + (w - batch.lowerBound % jobs + jobs) % jobs
                for i in stride(from: first, to: batch.upperBound, by: jobs) {
                    shared[i - batch.lowerBound] = box[w].expand(states[i], reduce: reduce) { visited.contains($0) }
                }
            }
        }
        let out = Array(results)
        results.deinitialize()
        return out
    }

    /// A pending operation that can never complete: a state's number and the operation
    /// (`line * agents + agent`, in that state's numbering), if there is one.
    ///
    /// Backward reachability over pairs (state, operation): a pair is safe if the operation is
    /// not pending there, or an edge leads to a safe pair (the edge's renumbering undone by
    /// `inverses`).
    static func livelock(_ graph: Graph, agents n: Int, lines: Int, inverses: [[Int]]) -> (Int, Int)? {
        let v = graph.pending.count, ops = n * lines
        precondition(v * ops < Int(UInt32.max), "too many (state, operation) pairs for the livelock check")
        // Reverse adjacency: the sources and renumberings of the edges into each state.
        var start = [Int](repeating: 0, count: v + 1)
        for t in graph.to { start[Int(t) + 1] += 1 }
        for i in 0..<v { start[i + 1] += start[i] }
        var fill = start
        var source = [UInt32](repeating: 0, count: graph.to.count)
        var renumbering = [UInt8](repeating: 0, count: graph.to.count)
        for s in 0..<v {
            for e in graph.edges(from: s) {
                let t = Int(graph.to[e])
                source[fill[t]] = UInt32(s)
                renumbering[fill[t]] = graph.permutation[e]
                fill[t] += 1
            }
        }
        fill = []
        var safe = [Bool](repeating: false, count: v * ops)
        var queue: [UInt32] = []
        for s in 0..<v {
            for op in 0..<ops where graph.pending[s] & (1 << UInt32(op)) == 0 {
                safe[s * ops + op] = true
                queue.append(UInt32(s * ops + op))
            }
        }
        var head = 0
        while head < queue.count {
            let pair = Int(queue[head])
            head += 1
            let (t, op) = (pair / ops, pair % ops)
            let (l, b) = (op / n, op % n)
            for i in start[t]..<start[t + 1] {
                let a = inverses[Int(renumbering[i])][b]        // agent a became b
                let pred = Int(source[i]) * ops + l * n + a
                if !safe[pred] {
                    safe[pred] = true
                    queue.append(UInt32(pred))
                }
            }
        }
        for s in 0..<v {
            for op in 0..<ops where !safe[s * ops + op] { return (s, op) }
        }
        return nil
    }

    private func coverage<S, E, A>(_ table: ProtocolTable<S, E, A>, _ counts: [RowCoverage]) -> TableCoverage {
        let unreached = table.rows.indices.filter { r in counts.allSatisfy { $0.hits[r] == 0 } }
        return TableCoverage(table: table.name, rows: table.rows.count, reached: table.rows.count - unreached.count,
                             unreached: unreached.map { "\(table.rows[$0].state.name) x \(table.rows[$0].event.name)" })
    }

    /// The steps from the initial state to state number `target`, then that state's step
    /// `last` if given, replayed through the canonical states the search visited. Each
    /// canonical state renumbers the agents; the steps are told in the initial state's numbers,
    /// and `numbering` is left mapping the last state's agents to them.
    private func trace(to target: Int, then last: Int?, _ visited: VisitedStates, _ initial: [UInt8],
                       _ worker: ExplorerWorker) -> [Step] {
        var numbering: [Int] = []
        return trace(to: target, then: last, visited, initial, worker, numbering: &numbering)
    }

    private func trace(to target: Int, then last: Int?, _ visited: VisitedStates, _ initial: [UInt8],
                       _ worker: ExplorerWorker, numbering: inout [Int]) -> [Step] {
        var path: [Int] = []
        var i = target
        while i != 0 {
            path.append(Int(visited.action[i]))
            i = Int(visited.parent[i])
        }
        path.reverse()
        if let last { path.append(last) }
        var steps: [Step] = []
        var state = initial
        var original = Array(0..<configuration.agents)   // canonical agent i is agent original[i] of the initial state
        for k in path {
            worker.load(state[...])
            let action = worker.enabled()[k]
            var step = describe(action, worker)
            step.event = renumber(step.event, original)
            step.transitions = step.transitions.map { renumber($0, original) }
            steps.append(step)
            worker.load(state[...])
            if worker.take(action) != nil { break }
            let (child, p) = worker.canonical()
            var next = original
            for a in 0..<configuration.agents { next[p[a]] = original[a] }
            original = next
            state = child
        }
        numbering = original
        return steps
    }

    /// `text` with agent numbers (`core1`, `llc1`) mapped through `original`.
    private func renumber(_ text: String, _ original: [Int]) -> String {
        var out = ""
        var rest = Substring(text)
        while let r = rest.firstRange(of: #/(core|llc)[0-9]/#) {
            out += rest[..<r.lowerBound]
            let word = rest[r]
            let digit = Int(String(word.last!))!
            out += word.dropLast() + String(digit < original.count ? original[digit] : digit)
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    /// Takes `action` with the transitions logged.
    private func describe(_ action: ExplorerWorker.Action, _ worker: ExplorerWorker) -> Step {
        worker.log = []
        let text = worker.name(action)
        let problem = worker.take(action)
        defer { worker.log = nil }
        return Step(event: text + (problem.map { "  => \($0)" } ?? ""), transitions: worker.log ?? [])
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// A 64-bit hash of an encoded state (FNV-1a, then a final mix).
    static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var fnv = FNV1a()
        fnv.combine(bytes)
        var h = fnv.value
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }
}
