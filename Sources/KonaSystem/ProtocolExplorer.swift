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
/// `HomeController`: the tables' one executor), not a model written beside them.
///
/// The system: `agents` sockets, each an LLC with one core complex, and one home (the CPU's
/// table, or the FPGA's with an FMem of one block holding every line: once every line's
/// directory state is stable an eviction may start at any moment, recalling the lines the
/// sockets hold; requests wait while it runs, and the block is fetched again on the next
/// request), over `addresses` lines. A step is a core's load, store or eviction of a line
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
    public enum Home: String, Sendable, CaseIterable { case cpu, fpga }
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

    /// How a state was first reached: its parent's hash, its number in order of discovery,
    /// its depth, and the step's position among the parent's enabled steps.
    private struct Parent {
        var hash: UInt64
        var index: UInt32
        var depth: UInt16
        var action: UInt16
    }

    /// The explored graph's edges, kept for the livelock check: each state's pending
    /// operations (bits `line * agents + agent`), and each edge's ends and renumbering.
    struct Graph {
        var pending: [UInt32] = []
        var from: [UInt32] = []
        var to: [UInt32] = []
        var permutation: [UInt8] = []
        var hashes: [UInt64] = []
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
        var parents: [UInt64: Parent] = [Self.hash(initial): Parent(hash: 0, index: 0, depth: 0, action: 0)]
        var graph = Graph()
        if keepGraph { graph.hashes.append(Self.hash(initial)); graph.pending.append(0) }
        var frontier = [initial]
        var depth = 0
        search: while !frontier.isEmpty {
            var next: [[UInt8]] = []
            for batchStart in stride(from: 0, to: frontier.count, by: Self.batchSize) {
                let batch = Array(frontier[batchStart..<min(batchStart + Self.batchSize, frontier.count)])
                let results = expand(batch, workers, reduce: reduce, parents)
                if let progress {
                    progress(Progress(states: parents.count, depth: depth, waiting: frontier.count - batchStart - batch.count,
                                      seconds: Self.seconds(since: start)))
                }
                for (i, r) in results.enumerated() {
                    let parentHash = Self.hash(batch[i])
                    report.transitions += r.transitions
                    if !r.full { report.reducedStates += 1 }
                    let parentIndex = parents[parentHash]!.index
                    if keepGraph { graph.pending[Int(parentIndex)] = r.pending }
                    if let (problem, action) = r.violation {
                        report.violation = Violation(problem: problem,
                                                     trace: trace(to: parentHash, then: action, parents, initial, workers[0]))
                        break search
                    }
                    for child in r.children {
                        let index: UInt32
                        if let known = parents[child.hash] {
                            index = known.index
                        } else {
                            index = UInt32(parents.count)
                            parents[child.hash] = Parent(hash: parentHash, index: index, depth: UInt16(depth + 1), action: UInt16(child.action))
                            next.append(child.bytes)
                            if keepGraph { graph.hashes.append(child.hash) }
                        }
                        if keepGraph {
                            graph.from.append(parentIndex)
                            graph.to.append(index)
                            graph.permutation.append(child.permutation)
                        }
                        if parents.count >= configuration.maxStates { report.truncated = true; break search }
                    }
                }
            }
            if keepGraph { graph.pending += [UInt32](repeating: 0, count: next.count) }
            if !next.isEmpty { depth += 1 }
            frontier = next
        }
        report.states = parents.count
        report.depth = depth
        if report.violation == nil && !report.truncated {
            if keepGraph {
                report.livelock = .passed(operations: configuration.agents * configuration.addresses)
                if let (index, op) = Self.livelock(graph, agents: configuration.agents, lines: configuration.addresses,
                                                   inverses: workers[0].inverses) {
                    let (l, a) = (op / configuration.agents, op % configuration.agents)
                    var numbering: [Int] = []
                    let steps = trace(to: graph.hashes[index], then: nil, parents, initial, workers[0], numbering: &numbering)
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

    /// Expands `batch` on `workers` (state `i` on worker `i % jobs`), each reading the visited
    /// set as it was before the batch: the results do not depend on the number of threads.
    private func expand(_ batch: [[UInt8]], _ workers: [ExplorerWorker], reduce: Bool,
                        _ parents: [UInt64: Parent]) -> [ExplorerWorker.Expansion] {
        let jobs = workers.count
        let results = UnsafeMutableBufferPointer<ExplorerWorker.Expansion>.allocate(capacity: batch.count)
        results.initialize(repeating: ExplorerWorker.Expansion())
        defer { results.deallocate() }
        if jobs == 1 {
            for i in batch.indices { results[i] = workers[0].expand(batch[i], reduce: reduce) { parents[$0] != nil } }
        } else {
            nonisolated(unsafe) let (shared, box) = (results, workers)
            let (states, visited) = (batch, parents)
            DispatchQueue.concurrentPerform(iterations: jobs) { w in
                for i in stride(from: w, to: states.count, by: jobs) {
                    shared[i] = box[w].expand(states[i], reduce: reduce) { visited[$0] != nil }
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
        // Reverse adjacency: the edges into each state.
        var start = [Int](repeating: 0, count: v + 1)
        for t in graph.to { start[Int(t) + 1] += 1 }
        for i in 0..<v { start[i + 1] += start[i] }
        var fill = start
        var into = [Int32](repeating: 0, count: graph.to.count)
        for (e, t) in graph.to.enumerated() {
            into[fill[Int(t)]] = Int32(e)
            fill[Int(t)] += 1
        }
        var safe = [Bool](repeating: false, count: v * ops)
        var queue: [Int] = []
        for s in 0..<v {
            for op in 0..<ops where graph.pending[s] & (1 << UInt32(op)) == 0 {
                safe[s * ops + op] = true
                queue.append(s * ops + op)
            }
        }
        var head = 0
        while head < queue.count {
            let pair = queue[head]
            head += 1
            let (t, op) = (pair / ops, pair % ops)
            let (l, b) = (op / n, op % n)
            for e in into[start[t]..<start[t + 1]] {
                let a = inverses[Int(graph.permutation[Int(e)])][b]        // agent a became b
                let pred = Int(graph.from[Int(e)]) * ops + l * n + a
                if !safe[pred] {
                    safe[pred] = true
                    queue.append(pred)
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

    /// The steps from the initial state to the state hashed `target`, then the parent's step
    /// `last` if given, replayed through the canonical states the search visited. Each
    /// canonical state renumbers the agents; the steps are told in the initial state's numbers,
    /// and `numbering` is left mapping the last state's agents to them.
    private func trace(to target: UInt64, then last: Int?, _ parents: [UInt64: Parent], _ initial: [UInt8],
                       _ worker: ExplorerWorker) -> [Step] {
        var numbering: [Int] = []
        return trace(to: target, then: last, parents, initial, worker, numbering: &numbering)
    }

    private func trace(to target: UInt64, then last: Int?, _ parents: [UInt64: Parent], _ initial: [UInt8],
                       _ worker: ExplorerWorker, numbering: inout [Int]) -> [Step] {
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
        var original = Array(0..<configuration.agents)   // canonical agent i is agent original[i] of the initial state
        for k in path {
            worker.load(state)
            let action = worker.enabled()[k]
            var step = describe(action, worker)
            step.event = renumber(step.event, original)
            step.transitions = step.transitions.map { renumber($0, original) }
            steps.append(step)
            worker.load(state)
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
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }
}
