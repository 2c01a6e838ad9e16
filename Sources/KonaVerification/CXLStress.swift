import KonaEngine
import KonaProtocol

/// `konasim stress --home cxl`: the random tester of the CXL HDM-DB tables. Hosts share a few
/// lines of one device; each step is chosen at random among those enabled (a core's load,
/// store, eviction or partial write; the snoop filter giving an entry up or cleaning an owned
/// line; the eviction engine evicting the line's FMem block; the delivery of any message in flight, in order for S2M NDR), so messages overtake
/// each other in every way the classes allow. Every step checks the invariants of
/// `CXLSystem` (single writer, inclusive snoop filter, loads see the latest value, the latest
/// value is never lost) and that the row exists; after the operations, the system must drain
/// to quiescence (every transaction completes).
///
/// - Complexity: O(operations x (hosts + messages in flight)) per run.
public struct CXLStress: Sendable {
    /// What to run.
    public struct Configuration: Sendable {
        public var hosts = 2
        /// Lines, each an independent `CXLSystem` (the tables have no cross-line state).
        public var lines = 2
        /// Core operations to start (loads, stores, evictions, partial writes).
        public var operations = 10_000
        public var seed: UInt64 = 1
        /// One step in this many is the snoop filter's own decision (Evict, Clean) when one is enabled.
        public var deviceDecisionGap: UInt64 = 8
        public var tables = CXLTables()
        public init() {}
    }

    /// Row hit counts per table, by row position.
    public struct Coverage: Sendable {
        public var host: [Int]
        public var device: [Int]

        /// Adds `other`'s counts.
        public mutating func merge(_ other: Coverage) {
            for i in host.indices { host[i] += other.host[i] }
            for i in device.indices { device[i] += other.device[i] }
        }
    }

    /// What a run did.
    public struct Outcome: Sendable {
        public var coverage: Coverage
        public var operations = 0
        public var deliveries = 0
        public var backInvalidations = 0
        public var conflicts = 0
    }

    /// A violation, with the seed and the last steps on the failing line.
    public struct Failure: Error, CustomStringConvertible {
        public var problem: String
        public var seed: UInt64
        public var line: Int
        public var recent: [CXLSystem.Step]
        public var description: String {
            "cxl stress: \(problem) (seed \(seed), line \(line)); its last steps:\n" + recent.map { "  \($0)" }.joined(separator: "\n")
        }
    }

    public var configuration: Configuration
    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Runs the operations, then drains; throws `Failure` on a violation.
    public func run() throws -> Outcome {
        let c = configuration
        var random = RandomStream(seed: c.seed, path: "cxl.stress")
        var lines = Array(repeating: CXLSystem(hosts: c.hosts), count: c.lines)
        var recent = Array(repeating: [CXLSystem.Step](), count: c.lines)
        var hostRows = Set<Int>(), deviceRows = Set<Int>()
        let conflictRows = Set(c.tables.device.rows.indices.filter { c.tables.device.rows[$0].event == .BIConflict })
        var outcome = Outcome(coverage: Coverage(host: Array(repeating: 0, count: c.tables.host.rows.count),
                                                 device: Array(repeating: 0, count: c.tables.device.rows.count)))
        var started = 0, idle = 0
        let drainLimit = 100 * c.lines * c.hosts + 1_000
        while true {
            let draining = started >= c.operations
            let l = Int(random.next(below: UInt64(c.lines)))
            var steps = lines[l].enabledSteps()
            if draining { steps.removeAll { if case .deliver = $0 { false } else { true } } }
            if steps.isEmpty {
                if !lines[l].isQuiescent {
                    throw Failure(problem: "deadlock: work left and no step enabled", seed: c.seed, line: l, recent: recent[l])
                }
                if draining && lines.allSatisfy(\.isQuiescent) { break }
                idle += 1
                if draining && idle > drainLimit * c.lines {
                    throw Failure(problem: "did not drain", seed: c.seed, line: l, recent: recent[l])
                }
                continue
            }
            let decisions = steps.filter(\.isDeviceDecision)
            let step: CXLSystem.Step
            if !decisions.isEmpty && random.next(below: c.deviceDecisionGap) == 0 {
                step = decisions[Int(random.next(below: UInt64(decisions.count)))]
            } else {
                let rest = steps.filter { !$0.isDeviceDecision }
                guard !rest.isEmpty else { continue }
                step = rest[Int(random.next(below: UInt64(rest.count)))]
            }
            hostRows.removeAll(keepingCapacity: true)
            deviceRows.removeAll(keepingCapacity: true)
            recent[l].append(step)
            if recent[l].count > 60 { recent[l].removeFirst(30) }
            do {
                try lines[l].apply(step, tables: c.tables, hostRows: &hostRows, deviceRows: &deviceRows)
            } catch {
                throw Failure(problem: error.problem, seed: c.seed, line: l, recent: Array(recent[l].suffix(30)))
            }
            for r in hostRows { outcome.coverage.host[r] += 1 }
            for r in deviceRows { outcome.coverage.device[r] += 1 }
            switch step {
            case .core: started += 1; outcome.operations += 1
            case .deliver(_, let cls, _):
                outcome.deliveries += 1
                if cls == .s2mBISnp { outcome.backInvalidations += 1 }
                if cls == .m2sReq && !deviceRows.isDisjoint(with: conflictRows) { outcome.conflicts += 1 }
            case .device, .evictFrame: break
            }
        }
        return outcome
    }
}
