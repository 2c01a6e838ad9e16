import KonaEngine
import KonaWorkloads

/// A core that issues its workload's memory accesses to its first-level cache.
///
/// Issues up to `issueRate` accesses per cycle, in program order, and keeps at most
/// `maxOutstanding` accesses waiting for data; a dependent access (pointer chasing) waits
/// until everything before it has completed. L1 hits are handled inline, without events:
/// the core runs ahead of simulated time until its next issue would pass the earliest
/// pending event, and only then schedules itself to resume.
public final class Core: Component, CacheClient {
    /// Event kinds a core receives.
    public enum EventKind: UInt32 {
        /// Resume issuing.
        case resume = 1
    }

    /// Events of a core sort after other events at the same time (fills first).
    static let resumePriority: UInt8 = 200

    public let path: String
    /// The core clock.
    public let clock: ClockDomain
    /// Accesses issued per cycle at most.
    public let issueRate: Int
    /// Accesses waiting for data at most.
    public let maxOutstanding: Int
    /// Stop fetching after this many accesses (after line splitting); 0 for no limit.
    public let maxAccesses: UInt64
    /// The first-level data cache.
    public let l1: Cache
    private let source: any AccessSource
    /// This core's ID in the simulator; set by whoever registers it.
    public var id = ComponentID(raw: .max)

    private var current = MemoryAccess.none
    private var hasCurrent = false
    private var nextIssue: ClockDomain.EdgeCursor
    private var issuedInCycle = 0
    /// Accesses issued whose data has not arrived.
    public private(set) var outstanding = 0
    private var waitingSince: Tick?
    private var resumeScheduled = false
    /// Whether the workload has ended (or hit its access limit).
    public private(set) var finished = false
    /// Completion time of the latest access.
    public private(set) var lastCompletion: Tick = 0
    /// A malformed-trace error met while fetching; the run stops when it is set.
    public private(set) var workloadError: WorkloadError?

    /// Accesses issued.
    public let accesses: Counter
    /// Loads issued.
    public let loads: Counter
    /// Stores issued.
    public let stores: Counter
    /// Issue-to-data latency of every access, in ticks.
    public let latency: Average
    /// Issue-to-data latency of accesses that waited for a fill, in ticks.
    public let missLatency: Distribution
    /// Time spent with an access ready but not allowed to issue, in ticks.
    public private(set) var stallTime: Tick = 0

    /// A core reading `source` through `l1`.
    public init(path: String, clock: ClockDomain, issueRate: Int, maxOutstanding: Int,
                maxAccesses: UInt64, l1: Cache, source: any AccessSource, stats: StatsRegistry) {
        precondition(issueRate >= 1 && maxOutstanding >= 1, "issue rate \(issueRate) and outstanding \(maxOutstanding) must be >= 1")
        self.path = path
        self.clock = clock
        self.nextIssue = ClockDomain.EdgeCursor(clock: clock)
        self.issueRate = issueRate
        self.maxOutstanding = maxOutstanding
        self.maxAccesses = maxAccesses
        self.l1 = l1
        self.source = source
        accesses = stats.counter(path + ".accesses", "memory accesses issued (after splitting at 64-byte lines)", unit: "accesses")
        loads = stats.counter(path + ".loads", "loads issued", unit: "accesses")
        stores = stats.counter(path + ".stores", "stores issued", unit: "accesses")
        latency = stats.average(path + ".amat_ns", "mean issue-to-data latency of this core's accesses", unit: "ns", scale: 1000)
        missLatency = stats.distribution(path + ".miss_latency_ns", "issue-to-data latency of accesses that missed in L1", unit: "ns", scale: 1000)
        let src = source
        stats.formula(path + ".instructions", "instructions in the trace (Lackey I records)", unit: "instructions") { .integer(src.instructions) }
        stats.formula(path + ".stall_cycles", "cycles with an access ready that could not issue", unit: "cycles") { [unowned self] in
            .integer(self.clock.cycle(at: self.stallTime))
        }
        l1.client = self
    }

    public func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        resumeScheduled = false
        issue(in: simulator)
    }

    /// Issues accesses until the core must wait or its next issue lies past the next event.
    public func issue(in simulator: Simulator) {
        if let since = waitingSince {
            if simulator.now > since { stallTime += simulator.now - since }
            waitingSince = nil
        }
        while !finished {
            if !hasCurrent {
                if maxAccesses > 0 && accesses.value >= maxAccesses { finished = true; return }
                do {
                    guard try source.next(into: &current) else { finished = true; return }
                } catch {
                    workloadError = error
                    finished = true
                    simulator.requestStop("workload error")
                    return
                }
                hasCurrent = true
            }
            if nextIssue.tick < simulator.now {
                nextIssue.moveTo(cycle: clock.cycle(at: clock.nextEdge(atOrAfter: simulator.now)))
                issuedInCycle = 0
            }
            let time = nextIssue.tick
            if outstanding >= maxOutstanding || (current.dependent && outstanding > 0) {
                waitingSince = max(time, simulator.now)
                return
            }
            if time > simulator.horizon {
                resumeScheduled = true
                simulator.schedule(at: time, target: id, kind: EventKind.resume.rawValue, priority: Self.resumePriority)
                return
            }
            let isStore = current.kind == .store
            switch l1.access(line: current.address >> 6, isStore: isStore, at: time, in: simulator) {
            case .hit:
                latency.record(l1.latency)
                lastCompletion = max(lastCompletion, time + l1.latency)
            case .pending:
                outstanding += 1
            case .blocked:
                waitingSince = max(time, simulator.now)
                return
            }
            accesses.add()
            if isStore { stores.add() } else { loads.add() }
            hasCurrent = false
            issuedInCycle += 1
            if issuedInCycle == issueRate {
                issuedInCycle = 0
                nextIssue.advance()
            }
        }
    }

    public func accessCompleted(issuedAt issueTime: Tick, isStore: Bool, in simulator: Simulator) {
        outstanding -= 1
        let elapsed = simulator.now - issueTime
        latency.record(elapsed)
        missLatency.record(elapsed)
        lastCompletion = max(lastCompletion, simulator.now)
    }

    public func cacheUnblocked(in simulator: Simulator) {
        if waitingSince != nil && !resumeScheduled { issue(in: simulator) }
    }

    public func outstandingTransactions() -> [String] {
        var out: [String] = []
        if outstanding > 0 { out.append("\(outstanding) access(es) waiting for data") }
        if waitingSince != nil && outstanding == 0 && !resumeScheduled {
            out.append("waiting to issue \(current.kind) of 0x\(String(current.address, radix: 16)) with nothing outstanding")
        }
        return out
    }
}
