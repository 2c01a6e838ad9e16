import KonaEngine
import KonaWorkloads

/// A core that executes its workload's instructions and issues its memory accesses to its
/// first-level cache.
///
/// Instructions issue in program order at the model's IPC (`CoreModel`, `InstructionClock`);
/// an access issues with its instruction (the last of the ones it carries,
/// `MemoryAccess.instructions`) or later, and nothing after it issues before it. Accesses
/// issue at most `issueRate` per cycle, with at most `maxOutstanding` waiting for data; a
/// dependent access (pointer chasing) waits until everything before it has completed, and
/// a blocked cache input holds back the accesses behind it. A load waiting for data holds
/// retirement: an instruction issues only within the model's window of the oldest
/// incomplete load (`RetirementWindow`; the reorder buffer, or 1 in order). Accesses that
/// carry no instructions (a synthetic stream with `instructions_per_access` 0) are bare:
/// no instruction issues or waits for them. The private hierarchy is timed by reservation
/// (each access learns when its data will arrive), so the core issues inline, without events, up to
/// the simulator's horizon (the next pending event or the run's time limit); past it,
/// it schedules one resume event. An L1 hit costs a tag lookup and a few adds. Accesses
/// whose completion time the memory cannot know yet (coherent misses) are deferred: they
/// count against the window until the memory reports them, and a dependent access, or a
/// full window of them, waits for that report.
public final class Core<Memory: CoreMemory>: IssuingCore {
    /// Event kinds a core receives.
    public enum EventKind: UInt32 {
        /// Resume issuing.
        case resume = 1
    }

    /// Resume events sort after other events at the same time.
    static var resumePriority: UInt8 { 200 }

    public let path: String
    /// The core clock.
    public let clock: ClockDomain
    /// Accesses issued per cycle at most.
    public let issueRate: Int
    /// Accesses waiting for data at most.
    public let maxOutstanding: Int
    /// Stop fetching after this many accesses (after line splitting); 0 for no limit.
    public let maxAccesses: UInt64
    /// How instructions execute.
    public let model: CoreModel
    private var instructionClock: InstructionClock
    private var retirement: RetirementWindow
    /// The source has ended (not stopped by `maxAccesses`): its instructions after the last
    /// access also run.
    private var sourceEnded = false
    /// Waiting for a load the memory has not answered, for an instruction to enter the window.
    private var waitingInWindow = false
    /// The first-level data cache (or the private hierarchy as one coherent unit).
    public let l1: Memory
    private let source: any AccessSource
    /// This core's ID in the simulator; set by whoever registers it.
    public var id = ComponentID(raw: .max)
    /// Where the core records each access it issues, with its issue time, for the system's
    /// dirty trackers (nil when they are off). The loop only stores each access's issue time
    /// beside it in the batch; the issued part of a batch goes to the log when the batch is
    /// used up, and at `flushIssueLog()`.
    public var issueLog: IssueLog?
    private let issueTimes = UnsafeMutableBufferPointer<Tick>.allocate(capacity: 256)
    /// Accesses of the batch before this one are in the log already.
    private var logged = 0
    /// The issue time of the last access of the batches before this one.
    private var previousBatchLatestIssue: Tick = 0
    /// The issue time of the latest access issued (0 before the first). Instructions after
    /// it issue no earlier: applied when they issue, to keep the loop of bare accesses lean.
    private var latestIssue: Tick { batchNext > 0 ? issueTimes[batchNext &- 1] : previousBatchLatestIssue }

    private let batch = UnsafeMutableBufferPointer<MemoryAccess>.allocate(capacity: 256)
    private var batchNext = 0
    private var batchCount = 0
    private var nextIssue: ClockDomain.EdgeCursor
    private var issuedInCycle = 0
    private var inFlight: CompletionHeap
    private var resumeScheduled = false
    /// Accesses in flight whose completion time is not known yet.
    private var deferred = 0
    /// Waiting for a deferred completion before the next access may issue.
    private var waitingForMemory = false
    /// A deferred access faulted: nothing issues until every deferred access has completed.
    private var faulted = false
    private var resumedAfterWait = false
    /// The end of an interrupt that came while the core waited for the memory (0 if none):
    /// applied when the wait ends, so that the wait is counted as a stall whole.
    private var interruptedUntil: Tick = 0
    /// Whether the workload has ended (or hit its access limit).
    public private(set) var finished = false
    /// Completion time of the latest access.
    public private(set) var lastCompletion: Tick = 0
    /// A malformed-trace error met while fetching; the run stops when it is set.
    public private(set) var workloadError: WorkloadError?

    /// Accesses issued.
    public private(set) var accesses: UInt64 = 0
    /// Stores issued.
    public private(set) var stores: UInt64 = 0
    /// Sum of issue-to-data latencies, in ticks.
    public private(set) var latencySum: UInt64 = 0
    /// Issue-to-data latency of accesses that missed in the L1 (primary misses), in ticks.
    public let missLatency: Distribution
    /// Time spent with an access ready but not allowed to issue, in ticks.
    public private(set) var stallTime: Tick = 0
    private var tracer: SignalTracer?
    private var inFlightSignal: SignalID?
    private var stalledSignal: SignalID?

    /// A core reading `source` through `l1`.
    public init(path: String, clock: ClockDomain, issueRate: Int, maxOutstanding: Int,
                maxAccesses: UInt64, model: CoreModel = .skylake, l1: Memory, source: any AccessSource,
                stats: StatsRegistry) {
        precondition(issueRate >= 1 && maxOutstanding >= 1, "issue rate \(issueRate) and outstanding \(maxOutstanding) must be >= 1")
        self.path = path
        self.clock = clock
        self.nextIssue = ClockDomain.EdgeCursor(clock: clock)
        self.issueRate = issueRate
        self.maxOutstanding = maxOutstanding
        self.maxAccesses = maxAccesses
        self.model = model
        instructionClock = InstructionClock(clock: clock, numerator: model.ipcNumerator, denominator: model.ipcDenominator)
        retirement = RetirementWindow(window: model.window, maxPending: maxOutstanding)
        self.l1 = l1
        self.source = source
        self.inFlight = CompletionHeap(capacity: maxOutstanding)
        missLatency = stats.distribution(path + ".miss_latency_ns", "issue-to-data latency of L1 primary misses (accesses merged into a fill count in AMAT only)", unit: "ns", scale: 1000)
        stats.formula(path + ".accesses", "memory accesses issued (after splitting at 64-byte lines)", unit: "accesses") { [unowned self] in
            .integer(self.accesses)
        }
        stats.formula(path + ".loads", "loads issued", unit: "accesses") { [unowned self] in .integer(self.accesses - self.stores) }
        stats.formula(path + ".stores", "stores issued", unit: "accesses") { [unowned self] in .integer(self.stores) }
        stats.formula(path + ".amat_ns", "mean issue-to-data latency of this core's accesses", unit: "ns") { [unowned self] in
            .real(self.amatTicks / 1000)
        }
        stats.formula(path + ".instructions", "instructions executed (a trace's I records; workload.instructions_per_access per generated access)", unit: "instructions") { [unowned self] in
            .integer(self.executed.instructions)
        }
        stats.formula(path + ".ipc", "instructions per cycle achieved: instructions / cycles until the last one retired", unit: "instructions/cycle") { [unowned self] in
            let cycles = self.clock.cycle(at: self.finishTime)
            return .real(cycles == 0 ? 0 : Double(self.executed.instructions) / Double(cycles))
        }
        stats.formula(path + ".stall_cycles", "cycles with an access ready that could not issue", unit: "cycles") { [unowned self] in
            .integer(self.clock.cycle(at: self.stallTime))
        }
        stats.formula(path + ".stall_cycles.memory", "cycles the core issued nothing because of memory: stall_cycles, plus instructions held by an incomplete load (the window full, or in order)", unit: "cycles") { [unowned self] in
            .integer(self.clock.cycle(at: self.stallTime &+ self.executed.held))
        }
    }

    /// Declares this core's signals (`in_flight`: accesses waiting for data; `stalled`:
    /// the core issues nothing because of memory: an access is ready but may not issue, or
    /// an instruction waits for a load's data) with `tracer`.
    public func trace(with tracer: SignalTracer) {
        self.tracer = tracer
        inFlightSignal = tracer.declare(path + ".in_flight", .wire(width: 16), initial: .bits(0))
        stalledSignal = tracer.declare(path + ".stalled", .wire(width: 1), initial: .bits(0))
    }

    /// Tracing work, kept out of line so that the untraced issue loop stays small.
    @inline(never)
    private func traceInFlight(from start: Tick, to end: Tick) {
        guard let tracer, let id = inFlightSignal else { return }
        tracer.adjust(id, at: start, by: 1)
        tracer.adjust(id, at: end, by: -1)
    }

    @inline(never)
    private func traceStall(from start: Tick, to end: Tick) {
        guard let tracer, let id = stalledSignal else { return }
        tracer.record(id, at: start, .bits(1))
        tracer.record(id, at: end, .bits(0))
    }

    deinit {
        batch.deallocate()
        issueTimes.deallocate()
        inFlight.deallocate()
        retirement.deallocate()
    }

    /// The instructions executed, their time held for memory and the end of the last one's
    /// cycle: those issued so far, plus, once the source has ended, its instructions after
    /// the last access (issued now, on a copy: every load has completed by then, unless the
    /// run stopped early).
    private var executed: (instructions: UInt64, held: Tick, end: Tick) {
        var clock = instructionClock
        if sourceEnded && source.instructions > clock.issued {
            clock.restart(notBefore: latestIssue)
            _ = retirement.issue(through: source.instructions, on: &clock)   // nil only if the run stopped early
        }
        return (clock.issued, clock.held, clock.end)
    }

    public var finishTime: Tick { max(lastCompletion, executed.end) }

    /// Whether the core has accesses left to issue, or issued ones the memory has not answered.
    public var hasWorkLeft: Bool { !finished || deferred > 0 }
    /// Instructions issued so far (a sampled run's windows count them per unit).
    public var instructionsIssued: UInt64 { instructionClock.issued }

    /// Mean issue-to-data latency in ticks (0 before any access).
    public var amatTicks: Double { accesses == 0 ? 0 : Double(latencySum) / Double(accesses) }

    public func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        resumeScheduled = false
        if resumedAfterWait && waitingInWindow {
            // The instruction's wait is counted when it issues, from its own edge.
            resumedAfterWait = false
            waitingInWindow = false
            if let tracer, let id = stalledSignal { tracer.record(id, at: simulator.now, .bits(0)) }
        } else if resumedAfterWait {
            // The wait for the memory was a stall; its start was traced when it began.
            resumedAfterWait = false
            let now = simulator.now
            if now > nextIssue.tick {
                stallTime &+= now &- nextIssue.tick
                nextIssue.advance(toAtOrAfter: now)
                issuedInCycle = 0
            }
            // Nothing after the access that waited (or faulted) issues before it.
            if instructionClock.issued > 0 { instructionClock.restart(notBefore: now) }
            if let tracer, let id = stalledSignal { tracer.record(id, at: now, .bits(0)) }
        }
        if interruptedUntil > 0 {
            defer { interruptedUntil = 0 }
            runInterrupt(until: interruptedUntil)
        }
        issue(in: simulator)
    }

    /// The memory reports that a deferred access issued at `issuedAt` got its data at
    /// `time` (the simulator's now); `missed` when it was a primary miss; `ordinal` numbers
    /// the access among the core's (0 for its first).
    public func completeDeferred(issuedAt: Tick, at time: Tick, missed: Bool, ordinal: UInt64, in simulator: Simulator) {
        deferred -= 1
        if retirement.count > 0 { retirement.complete(ordinal: ordinal, at: time) }
        let latency = time &- issuedAt
        latencySum &+= latency
        if missed { missLatency.record(latency) }
        if time > lastCompletion { lastCompletion = time }
        if tracer != nil { traceDeferred(at: time, by: -1) }
        if faulted {
            if deferred > 0 { return }
            faulted = false
        }
        if waitingForMemory && !resumeScheduled {
            waitingForMemory = false
            resumedAfterWait = true
            resumeScheduled = true
            simulator.schedule(at: time, target: id, kind: EventKind.resume.rawValue, priority: Self.resumePriority)
        }
    }

    @inline(never)
    private func traceDeferred(at time: Tick, by delta: Int64) {
        guard let tracer, let id = inFlightSignal else { return }
        tracer.adjust(id, at: time, by: delta)
    }

    /// Issues the instructions the next access of the batch carries and moves the issue slot
    /// to its own (the last) one's edge; false, changing nothing, when one must wait for a
    /// load the memory has not answered (the core then waits for the memory). Out of line:
    /// the loop of bare accesses pays only the check for instructions.
    @inline(never)
    private func executeInstructions(now: Tick) -> Bool {
        let seq = instructionClock.issued &+ UInt64(batch[batchNext].instructions)
        let at: Tick
        if !retirement.holds(through: seq) {
            instructionClock.restart(notBefore: latestIssue)     // nothing after an access issues before it
            at = instructionClock.issue(through: seq)            // in place: nothing can make it wait
        } else {
            var clock = instructionClock
            clock.restart(notBefore: latestIssue)
            guard let (edge, dropped) = retirement.issue(through: seq, on: &clock, waited: { from, to in
                // (The clock may lag the simulator; nothing is traced before its now.)
                if self.tracer != nil && to > max(from, now) { self.traceStall(from: max(from, now), to: to) }
            }) else {
                waitingInWindow = true
                waitForMemory()
                return false
            }
            instructionClock = clock
            retirement.dropOldest(dropped)
            at = edge
        }
        batch[batchNext].instructions = 0        // issued: a resume must not run them again
        if at > nextIssue.tick {
            nextIssue.advance(toAtOrAfter: at)
            issuedInCycle = 0
        }
        return true
    }

    /// Moves the issue slot to the first edge at or after `time`, counting the wait as a stall.
    @inline(__always)
    private func delayIssue(to time: Tick) {
        if time <= nextIssue.tick { return }
        if tracer != nil { traceStall(from: nextIssue.tick, to: time) }
        stallTime &+= time &- nextIssue.tick
        nextIssue.advance(toAtOrAfter: time)
        issuedInCycle = 0
    }

    /// Issues accesses until the workload ends or the next issue lies past the horizon.
    public func issue(in simulator: Simulator) {
        // A generic class's methods run unspecialized: pick the memory's concrete type once
        // per call, so the loop below is compiled for it and an access is a direct call. The
        // memory is passed through a guaranteed reference (the core keeps it): passed
        // directly it was retained and released around every call.
        if Memory.self == Cache.self {
            Unmanaged.passUnretained(unsafeDowncast(l1, to: Cache.self))._withUnsafeGuaranteedRef { issue(through: $0, in: simulator) }
        } else if Memory.self == PrivateCacheComplex.self {
            Unmanaged.passUnretained(unsafeDowncast(l1, to: PrivateCacheComplex.self))._withUnsafeGuaranteedRef {
                issue(through: $0, in: simulator)
            }
        } else {
            issue(through: l1, in: simulator)
        }
    }

    @inline(__always)
    private func issue<M: CoreMemory>(through memory: M, in simulator: Simulator) {
        if nextIssue.tick < simulator.now {
            nextIssue.advance(toAtOrAfter: simulator.now)
            issuedInCycle = 0
        }
        var horizon = simulator.horizon
        while !finished {
            if batchNext == batchCount && !refill(simulator) { return }
            let access = batch[batchNext]
            if access.instructions > 0 && !executeInstructions(now: simulator.now) { return }
            // Wait for room in the window, or for everything when the access is dependent.
            if inFlight.count > 0 || (M.defers && deferred > 0) {
                inFlight.retire(upTo: nextIssue.tick)
                if M.defers && access.dependent && deferred > 0 { return waitForMemory() }
                if access.dependent && inFlight.count > 0 {
                    delayIssue(to: inFlight.latest)
                    inFlight.retire(upTo: nextIssue.tick)
                } else if inFlight.count &+ (M.defers ? deferred : 0) == maxOutstanding {
                    if M.defers && inFlight.count == 0 { return waitForMemory() }
                    delayIssue(to: inFlight.earliest)
                    inFlight.retire(upTo: nextIssue.tick)
                }
            }
            let time = nextIssue.tick
            if time > horizon {
                resumeScheduled = true
                simulator.schedule(at: time, target: id, kind: EventKind.resume.rawValue, priority: Self.resumePriority)
                return
            }
            let isStore = access.kind == .store
            let line = access.address &>> LineGeometry.lineShift
            let timing = memory.access(line: line, isStore: isStore, at: time)
            if M.defers && timing.ready == .max {
                if timing.accepted == .max { return waitForMemory() }   // refused: retry after a completion
                issueTimes[batchNext] = time
                batchNext &+= 1
                if !isStore && instructionClock.issued > 0 {
                    retirement.addPending(seq: instructionClock.issued, ordinal: accesses)
                }
                accesses &+= 1
                if isStore { stores &+= 1 }
                deferred &+= 1
                if tracer != nil { traceDeferred(at: time, by: 1) }
                if timing.accepted == Cache.Timing.faultMarker {
                    faulted = true
                    return waitForMemory()
                }
                horizon = simulator.horizon        // the miss scheduled messages
                issuedInCycle &+= 1
                if issuedInCycle == issueRate {
                    issuedInCycle = 0
                    nextIssue.advance()
                }
                continue
            }
            issueTimes[batchNext] = time
            batchNext &+= 1
            accesses &+= 1
            if isStore { stores &+= 1 }
            let latency = timing.ready &- time
            latencySum &+= latency
            if timing.ready > lastCompletion { lastCompletion = timing.ready }
            if timing.waitedForFill {
                if timing.missed { missLatency.record(latency) }
                inFlight.push(timing.ready)
                if tracer != nil { traceInFlight(from: time, to: timing.ready) }
                if !isStore && instructionClock.issued > 0 { retirement.add(seq: instructionClock.issued, ready: timing.ready) }
            }
            if timing.accepted > time {
                delayIssue(to: timing.accepted)
            }
            issuedInCycle &+= 1
            if issuedInCycle == issueRate {
                issuedInCycle = 0
                nextIssue.advance()
            }
        }
    }

    /// Issues nothing before `time`: an interrupt (a TLB shootdown's handler) runs until then.
    /// Called from an event at or before `time`, so the core has issued nothing past it.
    /// While the core waits for the memory (a fault), the handler runs within the wait; it
    /// delays the issue when the wait ends, without taking the wait's time out of the stall.
    public func interrupt(until time: Tick) {
        guard !finished else { return }
        if waitingForMemory || resumedAfterWait {
            interruptedUntil = max(interruptedUntil, time)
            return
        }
        runInterrupt(until: time)
    }

    private func runInterrupt(until time: Tick) {
        guard time > nextIssue.tick else { return }
        nextIssue.advance(toAtOrAfter: time)
        issuedInCycle = 0
        instructionClock.restart(notBefore: time)
    }

    /// Hands the accesses issued since the last call, with their issue times, to the log.
    public func flushIssueLog() {
        guard let issueLog, logged < batchNext else { return }
        for i in logged..<batchNext { issueLog.append(batch[i], at: issueTimes[i]) }
        logged = batchNext
    }

    /// Stops issuing until a deferred access completes.
    private func waitForMemory() {
        waitingForMemory = true
        if let tracer, let id = stalledSignal { tracer.record(id, at: nextIssue.tick, .bits(1)) }
    }

    /// Fetches the next batch of accesses; false when the workload is done (or failed).
    private func refill(_ simulator: Simulator) -> Bool {
        flushIssueLog()
        if batchNext > 0 { previousBatchLatestIssue = issueTimes[batchNext &- 1] }
        var room = batch.count
        if maxAccesses > 0 {
            let left = maxAccesses &- accesses
            if left == 0 { finished = true; return false }
            room = Int(min(UInt64(room), left))
        }
        do {
            batchCount = try source.fill(UnsafeMutableBufferPointer(rebasing: batch[0..<room]))
        } catch {
            workloadError = error
            finished = true
            simulator.requestStop("workload error")
            return false
        }
        batchNext = 0
        logged = 0
        if batchCount == 0 { finished = true; sourceEnded = true; return false }
        return true
    }

    public func outstandingTransactions() -> [String] {
        if waitingForMemory { return ["waits for \(deferred) access(es) the memory has not answered (at access \(accesses))"] }
        if deferred > 0 { return ["\(deferred) access(es) the memory has not answered"] }
        return !finished && !resumeScheduled ? ["not finished, but no resume scheduled (at access \(accesses))"] : []
    }
}
