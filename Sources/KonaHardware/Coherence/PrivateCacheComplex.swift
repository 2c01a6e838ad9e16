import KonaEngine
import KonaProtocol

/// A core's private L1D and L2 as one coherent unit toward its socket LLC: two tag arrays
/// (L2 inclusive of L1D) for presence, replacement and hit timing, and a
/// `CoreComplexController` for the line states.
///
/// Timing: a hit is timed by reservation like the single-core `Cache` (L1D latency, plus
/// the L2 latency on an L1D miss), without an event. A miss or a write to a line without
/// ownership leaves as a coherence message after the tag lookups and is *deferred*: its
/// accesses complete when the grant arrives (an event), and later accesses to the same
/// line wait with it. A line holding M is marked dirty in the L1D, so a store hit on it
/// costs the same as a load hit; the first store to an E line and every access in
/// checking mode go through the controller. The L2 replaces a line when a fill arrives
/// (notifying the LLC per the protocol variant) and drops it from the L1D.
///
/// Checking mode (`checker`): every store writes a fresh value and every load must see the
/// latest one in coherence order. Misses and upgrades carry values through the protocol;
/// L1D hits read and write the complex's copy. Which accesses hit, and when data arrives,
/// is the same with and without checking.
public final class PrivateCacheComplex: CoreMemory {
    public static var defers: Bool { true }

    /// An access waiting for a line's transaction.
    struct Waiter {
        var issuedAt: Tick
        /// The access's number among the core's accepted accesses (0 for its first).
        var ordinal: UInt64
        var isStore: Bool
        /// Whether the controller is performing this access (it is the line's transaction).
        var issued: Bool
        /// Whether it missed in both levels (a primary miss, for the miss-latency histogram).
        var missed: Bool
    }

    public let path: String
    /// Line states and values.
    public let controller: CoreComplexController
    /// L1D and L2 tags.
    public let l1, l2: TagStore
    /// The same two tag arrays, kept in step with the controller.
    private let ways: PrivateCacheWays
    /// Tag and data access times.
    public let l1Latency, l2Latency: Tick
    /// Lines with a transaction in flight at once.
    public let mshrs: Int
    /// Data-value checking, when on.
    public let checker: ValueChecker?
    /// Called when a deferred access completes: (issue time, completion time, primary miss,
    /// the access's number among the accesses this complex accepted, 0 for the first).
    public var onDeferredComplete: ((Tick, Tick, Bool, UInt64) -> Void)? {
        get { deferredBox?.closure }
        set {
            deferredBox = newValue.map(DeferredCompletion.init)
            deferredHook = deferredBox.map { Unmanaged.passUnretained($0) }
        }
    }
    /// `onDeferredComplete` in a box, and the box unretained for `complete`: a closure read
    /// from a variable is retained and released around every call.
    private var deferredBox: DeferredCompletion?
    private var deferredHook: Unmanaged<DeferredCompletion>?
    private final class DeferredCompletion {
        let closure: (Tick, Tick, Bool, UInt64) -> Void
        init(_ closure: @escaping (Tick, Tick, Bool, UInt64) -> Void) { self.closure = closure }
    }
    /// Which lines are remote, for the split of the core's latency into local and remote.
    public var placement: RemotePlacement?
    /// The paging model's page table, when remote memory is paged: an access to a remote
    /// line that is not an L1D hit asks it, and faults when the page is not mapped (or not
    /// writable, for a store). Unretained: the system owns it.
    public unowned(unsafe) var pager: PagingHomeAgent?
    /// The faulted access, retried when its fault completes (`retryFault`).
    private var faulted: (line: UInt64, waiter: Waiter)?
    /// Accesses that faulted (on a page not resident, or a write-protected one).
    public private(set) var faults: UInt64 = 0
    /// Accesses to remote lines, and the sum of their latencies in ticks.
    public private(set) var remoteAccesses: UInt64 = 0
    public private(set) var remoteLatencySum: UInt64 = 0
    /// The latency of every access to a remote line (shared by the system's complexes).
    public var remoteLatency: Distribution?
    private let outbox: TimedOutbox
    private unowned(unsafe) let simulator: Simulator
    private let waiting = LineQueues<Waiter>()
    private var walking = false
    /// The first error met while issuing inline (reported by `takeFailure`).
    private var failure: SimulationError?
    private var watch = LineWatch()
    /// When the controller's current transition happens: the issue time of an access, or
    /// the arrival time of a message.
    private var transitionTime: Tick = 0
    private var tracer: SignalTracer?
    private var signals: (l1Hit: SignalID?, l1Miss: SignalID?, l2Miss: SignalID?, mshrs: SignalID?)

    /// Demand accesses that hit in the L1D, or waited for a transaction on their line.
    public private(set) var l1Hits: UInt64 = 0
    /// Demand accesses that missed in the L1D.
    public private(set) var l1Misses: UInt64 = 0
    /// L1D misses that hit in the L2.
    public private(set) var l2Hits: UInt64 = 0
    /// L1D misses that missed in the L2 (sent GetS or GetM).
    public private(set) var l2Misses: UInt64 = 0
    /// Stores to shared lines (sent Upgrade).
    public private(set) var upgrades: UInt64 = 0
    /// Lines the L2 replaced.
    public private(set) var evictions: UInt64 = 0
    /// Invalidations and downgrades received from the LLC.
    public private(set) var snoops: UInt64 = 0
    /// Accesses that waited for another access's transaction on their line.
    public private(set) var merged: UInt64 = 0

    /// A complex for core `index` of socket LLC `llc`.
    public init(path: String, index: Int, llc: Endpoint, table: CoreComplexProtocol.Table,
                l1 level1: (sets: Int, ways: Int, latency: Tick), l2 level2: (sets: Int, ways: Int, latency: Tick),
                mshrs: Int, checker: ValueChecker?, outbox: TimedOutbox, simulator: Simulator, seed: UInt64,
                stats: StatsRegistry) {
        self.path = path
        ways = PrivateCacheWays(path: path, l1: (level1.sets, level1.ways), l2: (level2.sets, level2.ways), seed: seed)
        l1 = ways.l1
        l2 = ways.l2
        l1Latency = level1.latency
        l2Latency = level2.latency
        self.mshrs = mshrs
        self.checker = checker
        self.outbox = outbox
        self.simulator = simulator
        controller = CoreComplexController(index: index, llc: llc, table: table, network: outbox)
        // Called through a guaranteed reference: an unowned(unsafe) capture is retained per call.
        let me = Unmanaged.passUnretained(self)
        if checker != nil {             // what `performed` checks; without a checker it does nothing
            controller.onComplete = { line, operation, value in me._withUnsafeGuaranteedRef { $0.performed(line, operation, value) } }
        }
        controller.onTransition = { line, before, _, after in
            me._withUnsafeGuaranteedRef { $0.transitioned(line, from: before, to: after) }
        }
        func count(_ name: String, _ doc: String, _ unit: String, _ read: @escaping (PrivateCacheComplex) -> UInt64) {
            stats.formula(path + "." + name, doc, unit: unit) { [unowned self] in .integer(read(self)) }
        }
        count("l1d.accesses", "demand accesses (loads and stores)", "accesses") { $0.l1Hits + $0.l1Misses }
        count("l1d.hits", "demand accesses that found their line in the L1D, or a transaction on it (merged)", "accesses") { $0.l1Hits }
        count("l1d.misses", "demand accesses that did not find their line in the L1D", "accesses") { $0.l1Misses }
        count("l2.accesses", "L1D misses, looked up in the L2", "accesses") { $0.l2Hits + $0.l2Misses }
        count("l2.hits", "L1D misses that found their line in the L2", "accesses") { $0.l2Hits }
        count("l2.misses", "L1D misses that missed in the L2 and asked the LLC (GetS, GetM), possibly after the line's eviction finished", "accesses") { $0.l2Misses }
        count("upgrades", "stores to shared lines that asked the LLC for ownership (Upgrade)", "accesses") { $0.upgrades }
        count("evictions", "lines the L2 replaced (notified or silent, per protocol.clean_eviction)", "lines") { $0.evictions }
        count("snoops", "invalidations and downgrades received from the LLC", "messages") { $0.snoops }
        count("merged", "accesses that waited for another access's transaction on their line", "accesses") { $0.merged }
        stats.formula(path + ".l1d.hit_rate", "L1D hits / accesses", unit: "ratio") { [unowned self] in
            let n = self.l1Hits + self.l1Misses
            return .real(n == 0 ? 0 : Double(self.l1Hits) / Double(n))
        }
        stats.formula(path + ".l2.hit_rate", "L2 hits / accesses", unit: "ratio") { [unowned self] in
            let n = self.l2Hits + self.l2Misses
            return .real(n == 0 ? 0 : Double(self.l2Hits) / Double(n))
        }
    }

    /// Declares the complex's signals: `l1d.hit` and `l1d.miss` (pulses per access that
    /// hits or misses the L1D), `l2.miss` (a pulse per request sent to the LLC) and `mshrs`
    /// (lines with a transaction in flight).
    public func trace(with tracer: SignalTracer) {
        self.tracer = tracer
        signals = (tracer.declare(path + ".l1d.hit", .wire(width: 1), initial: .bits(0)),
                   tracer.declare(path + ".l1d.miss", .wire(width: 1), initial: .bits(0)),
                   tracer.declare(path + ".l2.miss", .wire(width: 1), initial: .bits(0)),
                   tracer.declare(path + ".mshrs", .wire(width: 16), initial: .bits(0)))
    }

    /// Also traces the coherence state of `lines` in this complex (`<path>.watch.<address>`).
    public func watch(_ lines: [UInt64], with tracer: SignalTracer) {
        watch.declare(lines, path: path, initial: "I", with: tracer)
    }

    @inline(never)
    private func pulse(_ id: SignalID?, at time: Tick) {
        guard let tracer, let id else { return }
        tracer.record(id, at: time, .bits(1))
        tracer.record(id, at: time &+ 1, .bits(0))
    }

    @inline(never)
    private func traceTransactions(at time: Tick) {
        guard let tracer, let id = signals.mshrs else { return }
        tracer.record(id, at: time, .bits(UInt64(waiting.count)))
    }

    /// The first error met while issuing inline, if any (the run stops when it is set).
    public func takeFailure() -> SimulationError? {
        defer { failure = nil }
        return failure
    }

    // MARK: Accesses from the core

    /// A demand access at `time` (the core's issue time, not before the simulator's now).
    @inline(__always)
    public func access(line: UInt64, isStore: Bool, at time: Tick) -> Cache.Timing {
        let index = l1.find(line)
        let timing: Cache.Timing
        if index >= 0 && (!isStore || l1.isDirty(index)) {
            l1Hits &+= 1
            if tracer != nil { pulse(signals.l1Hit, at: time) }
            if checker != nil { checkHit(line, isStore: isStore) }
            l1.touch(index)
            let ready = l1.readyTime(index)
            timing = ready <= time ? Cache.Timing(accepted: time, ready: time &+ l1Latency, waitedForFill: false, missed: false)
                : Cache.Timing(accepted: time, ready: max(ready, time &+ l1Latency), waitedForFill: true, missed: false)
        } else {
            timing = slowAccess(line: line, isStore: isStore, at: time, l1Index: index)
        }
        if placement != nil && timing.ready != .max { countRemote(line, latency: timing.ready &- time) }
        return timing
    }

    /// Adds an access's latency to the remote totals if `line` is remote.
    @inline(__always)
    private func countRemote(_ line: UInt64, latency: Tick) {
        if let placement, placement.isRemote(line) {
            remoteAccesses &+= 1
            remoteLatencySum &+= latency
            remoteLatency?.record(latency)
        }
    }

    private static let deferred = Cache.Timing(accepted: 0, ready: .max, waitedForFill: true, missed: false)
    private static let faultedTiming = Cache.Timing(accepted: Cache.Timing.faultMarker, ready: .max, waitedForFill: true, missed: true)
    private static let refused = Cache.Timing(accepted: .max, ready: .max, waitedForFill: true, missed: false)

    private func slowAccess(line: UInt64, isStore: Bool, at time: Tick, l1Index: Int) -> Cache.Timing {
        let ordinal = l1Hits &+ l1Misses       // every accepted access counts as one or the other
        if tracer != nil { pulse(l1Index >= 0 || waiting.contains(line) ? signals.l1Hit : signals.l1Miss, at: time) }
        defer { if tracer != nil { traceTransactions(at: time) } }
        if let pager, placement!.isRemote(line), !pager.permits(line, isStore: isStore, core: controller.index) {
            return fault(line, isStore: isStore, at: time, l1Index: l1Index)
        }
        if waiting.contains(line) {
            merged += 1
            l1Hits += 1                     // as in the private model: a hit on a line being filled
            waiting.append(Waiter(issuedAt: time, ordinal: ordinal, isStore: isStore, issued: false, missed: false), to: line)
            return Self.deferred
        }
        let state = controller.state(line)
        switch state {
        case .S, .E, .M:
            if isStore && state == .S && waiting.count == mshrs { return Self.refused }
            var ready: Tick
            var waited = false
            if l1Index >= 0 {
                l1Hits += 1
                l1.touch(l1Index)
                ready = max(l1.readyTime(l1Index), time + l1Latency)
                waited = l1.readyTime(l1Index) > time
            } else {
                l1Misses += 1
                l2Hits += 1
                let i2 = l2.find(line)
                if i2 >= 0 { l2.touch(i2) }
                ready = time + l1Latency + l2Latency
                waited = true
                ways.fillL1(line, readyAt: ready, dirty: state == .M)
            }
            if isStore && state == .S {
                upgrades += 1
                waiting.append(Waiter(issuedAt: time, ordinal: ordinal, isStore: true, issued: true, missed: false), to: line)
                perform(line, isStore: true, at: ready)
                return Self.deferred
            }
            if checker != nil || (isStore && state == .E) {
                perform(line, isStore: isStore, at: ready)
            }
            return Cache.Timing(accepted: time, ready: ready, waitedForFill: waited, missed: false)
        case .I:
            if waiting.count == mshrs { return Self.refused }
            l1Misses += 1
            l2Misses += 1
            if tracer != nil { pulse(signals.l2Miss, at: time + l1Latency + l2Latency) }
            waiting.append(Waiter(issuedAt: time, ordinal: ordinal, isStore: isStore, issued: true, missed: true), to: line)
            perform(line, isStore: isStore, at: time + l1Latency + l2Latency)
            return Self.deferred
        default:
            // Being evicted: wait for the eviction to finish, then miss.
            if waiting.count == mshrs { return Self.refused }
            l1Misses += 1
            l2Misses += 1
            waiting.append(Waiter(issuedAt: time, ordinal: ordinal, isStore: isStore, issued: false, missed: true), to: line)
            return Self.deferred
        }
    }

    /// The access faults: counted as a hit or miss by where its line is (the paging model
    /// checks permissions before the caches answer), then handed to the pager; the core
    /// issues nothing more until `retryFault` completes it.
    private func fault(_ line: UInt64, isStore: Bool, at time: Tick, l1Index: Int) -> Cache.Timing {
        let ordinal = l1Hits &+ l1Misses
        faults += 1
        if l1Index >= 0 || waiting.contains(line) {
            l1Hits += 1
        } else {
            l1Misses += 1
            if l2.find(line) >= 0 { l2Hits += 1 } else { l2Misses += 1 }
        }
        faulted = (line, Waiter(issuedAt: time, ordinal: ordinal, isStore: isStore, issued: false, missed: true))
        pager!.fault(line, isStore: isStore, core: controller.index, at: time)
        return Self.faultedTiming
    }

    /// The faulted access's page is mapped now: it goes on as an access waiting on its line
    /// (after any transaction the line has), without asking the page table again.
    public func retryFault() {
        guard let (line, waiter) = faulted else { return }
        faulted = nil
        waiting.append(waiter, to: line)
        walk(line)
    }

    /// Checking mode, an L1D hit: the load reads the complex's copy (also while an upgrade
    /// is pending: the S copy stays readable), the store to an M line writes a fresh value.
    /// Done beside the controller, whose one pending operation per line may be an upgrade,
    /// so that checking does not change which accesses hit.
    private func checkHit(_ line: UInt64, isStore: Bool) {
        guard var entry = controller.lines[line] else {
            fail(SimulationError(.protocolViolation, time: simulator.now, component: path,
                                 message: "L1D hit on line 0x\(String(line << LineGeometry.lineShift, radix: 16)), which the controller does not hold"))
            return
        }
        if isStore {
            entry.data = checker!.freshValue()
            controller.lines[line] = entry
            performed(line, .store(value: entry.data), entry.data)
        } else {
            performed(line, .load, entry.data)
        }
    }

    /// Runs the core's load or store through the controller, sending at `time`.
    private func perform(_ line: UInt64, isStore: Bool, at time: Tick) {
        outbox.time = time
        transitionTime = time
        do {
            if isStore {
                try controller.store(line, value: checker?.freshValue() ?? 0)
            } else {
                try controller.load(line)
            }
        } catch {
            fail(error.asSimulationError(at: simulator.now))
        }
    }

    private func fail(_ error: SimulationError) {
        if failure == nil { failure = error }
        simulator.requestStop("simulation error")
    }

    /// The controller performed a load or store with `value`.
    private func performed(_ line: UInt64, _ operation: CoreComplexController.Operation, _ value: UInt64) {
        guard let checker else { return }
        if let problem = checker.check(line, operation, value, core: controller.name) {
            fail(SimulationError(.protocolViolation, time: simulator.now, component: path, message: problem))
        }
    }

    // MARK: Messages from the LLC

    /// A message from the LLC arrives now.
    public func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        if message.kind == .Inv || message.kind == .Downgrade { snoops += 1 }
        outbox.time = simulator.now + l2Latency
        transitionTime = simulator.now
        try controller.receive(message)
        if failure != nil, let error = takeFailure() {
            throw ProtocolViolation(component: path, line: message.line, state: controller.state(message.line).name,
                                    event: "\(message.kind)", message: error.message)
        }
    }

    /// Keeps the tags in step with the line's state, then lets waiting accesses go on.
    ///
    /// In a transient state the walk would mostly stop at once, and is not made: a first
    /// access not issued waits for the transaction to end (the walk returns), an issued one
    /// whose operation is still pending waits for its grant (the walk breaks, tracing the
    /// transactions, as is done here). Every row that completes an operation ends in a stable
    /// state, but a line can leave it again within that transition (evicted as its fill
    /// arrives, for want of an L2 way): its completed access is then walked here.
    private func transitioned(_ line: UInt64, from before: CoreComplexProtocol.State, to state: CoreComplexProtocol.State) {
        if watch.tracer != nil { watch.note(line, state.name, at: max(transitionTime, simulator.now)) }
        ways.follow(line, from: before, to: state, at: simulator.now, replaceable: { self.replaceable($0) }, evict: { self.evict($0) })
        guard !walking, waiting.contains(line) else { return }
        switch state {
        case .I, .S, .E, .M:
            walk(line)
        default:
            if let first = waiting.first(of: line) {
                if !first.issued { return }
                if controller.isBusy(line) {
                    if tracer != nil { traceTransactions(at: simulator.now) }
                    return
                }
            }
            walk(line)
        }
    }

    private func replaceable(_ line: UInt64) -> Bool {
        guard !waiting.contains(line) else { return false }
        switch controller.state(line) {
        case .S, .E, .M: return true
        default: return false
        }
    }

    private func evict(_ line: UInt64) {
        evictions += 1
        outbox.time = simulator.now
        transitionTime = simulator.now
        do {
            try controller.evict(line)
        } catch {
            fail(error.asSimulationError(at: simulator.now))
        }
    }

    /// Completes or re-issues the accesses waiting on `line`, in order, now.
    /// - Precondition: `line` has a queue (both callers know it has).
    private func walk(_ line: UInt64) {
        walking = true
        defer { walking = false }
        let now = simulator.now
        // The line keeps its queue (perhaps empty) until the walk ends: what the walk's
        // transitions ask of other lines sees it as waiting throughout.
        while let waiter = waiting.first(of: line) {
            if waiter.issued {
                if controller.isBusy(line) { break }           // its grant has not arrived
                complete(waiter, line: line, at: now)
                waiting.removeFirst(of: line)
                continue
            }
            let state = controller.state(line)
            switch state {
            case .S, .E, .M:
                if waiter.isStore && state == .S {
                    waiting.updateFirst(of: line) { $0.issued = true }
                    upgrades += 1
                    perform(line, isStore: true, at: now)
                    continue
                }
                if checker != nil || (waiter.isStore && state == .E) { perform(line, isStore: waiter.isStore, at: now) }
                if waiter.isStore, case let i1 = l1.find(line), i1 >= 0 { l1.markDirty(i1) }
                complete(waiter, line: line, at: now)
                waiting.removeFirst(of: line)
            case .I:
                waiting.updateFirst(of: line) { $0.issued = true }
                perform(line, isStore: waiter.isStore, at: now)
            default:
                return                                          // an eviction is still in flight
            }
        }
        if waiting.first(of: line) == nil { waiting.close(line) }
        if tracer != nil { traceTransactions(at: now) }
    }

    private func complete(_ waiter: Waiter, line: UInt64, at time: Tick) {
        countRemote(line, latency: time &- waiter.issuedAt)
        deferredHook?._withUnsafeGuaranteedRef { $0.closure(waiter.issuedAt, time, waiter.missed, waiter.ordinal) }
    }

    /// Lines with accesses waiting, for the stuck detector.
    public func outstandingTransactions() -> [String] {
        waiting.sortedLines.map { line in
            "line 0x\(String(line << LineGeometry.lineShift, radix: 16)) in \(controller.state(line).name), \(waiting.count(of: line)) access(es) waiting"
        }
    }
}
