import Dispatch
import KonaProtocol

/// `konasim verify --home cxl`: every reachable state of a `CXLSystem` (two hosts sharing one
/// line of a CXL HDM-DB device whose snoop filter may give the entry up whenever it is
/// stable), breadth first, checking in each state the invariants of `CXLSystem` (single
/// writer, an inclusive snoop filter, loads see the latest value, the latest value is never
/// lost), that every event meets a row, and that a state with work left has a step enabled
/// (no deadlock). A violation comes with the shortest trace to it.
///
/// - Complexity: time and memory linear in the reachable states (each kept whole, and its
///   byte encoding in a hash map; a few hundred bytes each).
public struct CXLExplorer: Sendable {
    /// What the exploration found.
    public struct Report: Sendable {
        public var states = 0
        public var transitions = 0
        public var depth = 0
        public var seconds = 0.0
        /// Rows of each table never fired.
        public var unreachedHostRows: [String] = []
        public var unreachedDeviceRows: [String] = []
        public var hostRows = 0
        public var deviceRows = 0
        /// The violation and the steps to it, with each step's transitions.
        public var violation: (problem: String, trace: [(step: String, transitions: [String])])?
    }

    public var hosts: Int
    public var tables: CXLTables
    public var maxStates: Int

    public init(hosts: Int = 2, tables: CXLTables = CXLTables(), maxStates: Int = 20_000_000) {
        self.hosts = hosts
        self.tables = tables
        self.maxStates = maxStates
    }

    /// Runs the search.
    public func run() -> Report {
        let start = DispatchTime.now().uptimeNanoseconds
        var report = Report()
        var states = [CXLSystem(hosts: hosts)]
        var parent: [(Int, CXLSystem.Step?)] = [(-1, nil)]
        var index: [[UInt8]: Int] = [states[0].encoding: 0]
        var hostRows = Set<Int>(), deviceRows = Set<Int>()
        var frontier = [0]
        var log: [String] = []
        search: while !frontier.isEmpty {
            var next: [Int] = []
            for s in frontier {
                let state = states[s]
                let steps = state.enabledSteps()
                if steps.isEmpty && !state.isQuiescent {
                    report.violation = (problem: "deadlock: work left and no step enabled", trace: trace(to: s, states, parent))
                    break search
                }
                for step in steps {
                    var successor = state
                    do {
                        try successor.apply(step, tables: tables, hostRows: &hostRows, deviceRows: &deviceRows, log: &log)
                    } catch {
                        var t = trace(to: s, states, parent)
                        var transitions: [String] = []
                        var replay = state, h = Set<Int>(), d = Set<Int>()
                        try? replay.apply(step, tables: tables, hostRows: &h, deviceRows: &d, log: &transitions)
                        t.append((step.description, transitions))
                        report.violation = (problem: error.problem, trace: t)
                        break search
                    }
                    log.removeAll(keepingCapacity: true)
                    report.transitions += 1
                    let key = successor.encoding
                    if index[key] == nil {
                        index[key] = states.count
                        states.append(successor)
                        parent.append((s, step))
                        next.append(states.count - 1)
                        if states.count >= maxStates { break search }
                    }
                }
            }
            if !next.isEmpty { report.depth += 1 }
            frontier = next
        }
        report.states = states.count
        report.hostRows = tables.host.rows.count
        report.deviceRows = tables.device.rows.count
        report.unreachedHostRows = tables.host.rows.indices.filter { !hostRows.contains($0) }.map {
            "(\(tables.host.rows[$0].state.name), \(tables.host.rows[$0].event.name))"
        }
        report.unreachedDeviceRows = tables.device.rows.indices.filter { !deviceRows.contains($0) }.map {
            "(\(tables.device.rows[$0].state.name), \(tables.device.rows[$0].event.name))"
        }
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return report
    }

    /// The steps from the initial state to state `s`, each replayed for its transitions.
    func trace(to s: Int, _ states: [CXLSystem], _ parent: [(Int, CXLSystem.Step?)]) -> [(step: String, transitions: [String])] {
        var path: [Int] = []
        var i = s
        while i > 0 { path.append(i); i = parent[i].0 }
        var out: [(step: String, transitions: [String])] = []
        for j in path.reversed() {
            var replay = states[parent[j].0], h = Set<Int>(), d = Set<Int>(), transitions: [String] = []
            try? replay.apply(parent[j].1!, tables: tables, hostRows: &h, deviceRows: &d, log: &transitions)
            out.append((parent[j].1!.description, transitions))
        }
        return out
    }
}
