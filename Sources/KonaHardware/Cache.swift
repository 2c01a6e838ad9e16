import DequeModule
import KonaEngine

/// Receives completions from the first-level cache: the core it serves.
public protocol CacheClient: AnyObject {
    /// An access issued at `issueTime` has its data; `simulator.now` is the completion time.
    func accessCompleted(issuedAt issueTime: Tick, isStore: Bool, in simulator: Simulator)
    /// A fill freed resources; an access that got `.blocked` may now be retried.
    func cacheUnblocked(in simulator: Simulator)
}

/// A write-back, write-allocate, set-associative cache level with MSHRs.
///
/// The first level is driven by direct calls from its core (`access`), so a hit costs a tag
/// lookup and no event; lower levels receive `read` and `writeback` messages as events and
/// process them strictly in arrival order, blocking the queue head when no MSHR is free or
/// the victim's own fill is still in flight. Tag state changes when a request is
/// accepted, in request order, so hit and miss counts do not depend on timing.
/// Writebacks mark a present line dirty without refreshing its replacement state; a
/// writeback that misses allocates the line dirty (a full-line write needs no fetch).
public final class Cache: Component {
    /// Result of a core access at the first level.
    public enum Outcome {
        /// Data present: done after the hit latency.
        case hit
        /// The access waits for a fill; `CacheClient.accessCompleted` reports it.
        case pending
        /// Not accepted (no free MSHR or target, or the victim is still filling); retry after
        /// `CacheClient.cacheUnblocked`.
        case blocked
    }

    public let path: String
    /// Tag lookup and data access time.
    public let latency: Tick
    /// Tags, dirty bits and pending fills.
    public private(set) var tags: TagStore
    /// Outstanding misses.
    public private(set) var mshrs: MSHRFile
    /// Requests to the next level.
    public var down: OutputPort?
    /// Responses to the level above (nil at the first level).
    public var up: OutputPort?
    /// The core served by a first-level cache. Not retained (the core owns its L1 and
    /// outlives it); `unowned(unsafe)` keeps the fill path free of weak-reference loads.
    public unowned(unsafe) var client: (any CacheClient)?
    private var input: Deque<(kind: MemoryMessage, line: UInt64)> = []

    /// Demand accesses.
    public let accesses: Counter
    /// Demand accesses that found the line (present or still filling).
    public let hits: Counter
    /// Demand accesses that allocated a line and an MSHR.
    public let misses: Counter
    /// Hits on a line whose fill was still in flight (a subset of `hits`).
    public let mshrMerges: Counter
    /// Dirty lines written back to the next level.
    public let writebacks: Counter
    /// Writebacks received from above that found their line.
    public let writebackHits: Counter
    /// Writebacks received from above that allocated a line.
    public let writebackAllocations: Counter

    /// A cache with the given geometry, registering its statistics under `path`.
    public init(path: String, sets: Int, ways: Int, policy: ReplacementPolicy, latency: Tick,
                mshrs: Int, targetsPerMSHR: Int, seed: UInt64, stats: StatsRegistry) {
        self.path = path
        self.latency = latency
        self.tags = TagStore(sets: sets, ways: ways, policy: policy,
                             random: RandomStream(seed: seed, path: path + ".replacement"))
        self.mshrs = MSHRFile(capacity: mshrs, targetsPerEntry: targetsPerMSHR)
        input.reserveCapacity(64)
        accesses = stats.counter(path + ".accesses", "demand accesses (loads and stores)", unit: "accesses")
        hits = stats.counter(path + ".hits", "demand accesses that found their line, present or filling", unit: "accesses")
        misses = stats.counter(path + ".misses", "demand accesses that allocated a line (primary misses)", unit: "accesses")
        mshrMerges = stats.counter(path + ".mshr_merges", "hits on a line still being filled (merged into its MSHR)", unit: "accesses")
        writebacks = stats.counter(path + ".writebacks", "dirty lines written back to the next level", unit: "lines")
        writebackHits = stats.counter(path + ".writeback_hits", "writebacks from above that found their line", unit: "lines")
        writebackAllocations = stats.counter(path + ".writeback_allocations", "writebacks from above that allocated a line", unit: "lines")
        let (h, a) = (hits, accesses)
        stats.formula(path + ".hit_rate", "hits / accesses", unit: "ratio") {
            .real(a.value == 0 ? 0 : Double(h.value) / Double(a.value))
        }
    }

    // MARK: First level: direct access from the core

    /// A demand access from the core at `time` (>= now). O(ways); a hit allocates nothing
    /// and schedules nothing.
    @inline(__always)
    public func access(line: UInt64, isStore: Bool, at time: Tick, in simulator: Simulator) -> Outcome {
        if let index = tags.find(line) {
            let mshr = tags.pendingMSHR[index]
            if mshr >= 0 {
                guard mshrs.canMerge(mshr) else { return .blocked }
                mshrs.merge(mshr, target: time << 1 | (isStore ? 1 : 0))
                mshrMerges.add()
            }
            if isStore { tags.markDirty(index) }
            tags.touch(index)
            accesses.add()
            hits.add()
            return mshr >= 0 ? .pending : .hit
        }
        guard allocate(line: line, target: time << 1 | (isStore ? 1 : 0), dirty: isStore,
                       at: time, in: simulator) else { return .blocked }
        accesses.add()
        misses.add()
        return .pending
    }

    /// Allocates a line and an MSHR and sends the read (then the victim's writeback) down
    /// after the lookup latency. Returns false, changing nothing, if it cannot.
    private func allocate(line: UInt64, target: UInt64, dirty: Bool, at time: Tick,
                          in simulator: Simulator) -> Bool {
        guard mshrs.hasFree else { return false }
        let victim = tags.victim(inSet: tags.set(of: line))
        guard tags.pendingMSHR[victim] < 0 else { return false }
        let mshr = mshrs.allocate(line: line, target: target, at: time)
        let sendTime = time + latency
        down!.send(simulator, at: sendTime, kind: MemoryMessage.read.rawValue, payload: line,
                   bytes: LineGeometry.requestMessageBytes)
        evict(victim, at: sendTime, in: simulator)
        tags.install(line, at: victim, dirty: dirty, pendingMSHR: mshr)
        return true
    }

    /// Writes back way `index` if it holds a dirty line.
    private func evict(_ index: Int, at time: Tick, in simulator: Simulator) {
        let old = tags.lines[index]
        guard old != TagStore.invalid, tags.dirty[index] else { return }
        writebacks.add()
        down!.send(simulator, at: time, kind: MemoryMessage.writeback.rawValue, payload: old,
                   bytes: LineGeometry.dataMessageBytes)
    }

    // MARK: Events

    public func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        guard let message = MemoryMessage(rawValue: event.kind) else {
            throw SimulationError(.protocolViolation, time: simulator.now, component: path,
                                  message: "unknown message kind \(event.kind)")
        }
        switch message {
        case .read, .writeback:
            input.append((message, event.payload))
            drainInput(in: simulator)
        case .data:
            try fill(line: event.payload, in: simulator)
        }
    }

    /// Processes queued requests in order until the head cannot proceed.
    private func drainInput(in simulator: Simulator) {
        while let head = input.first {
            let done = head.kind == .read
                ? acceptRead(head.line, in: simulator)
                : acceptWriteback(head.line, in: simulator)
            guard done else { return }
            input.removeFirst()
        }
    }

    private func acceptRead(_ line: UInt64, in simulator: Simulator) -> Bool {
        let now = simulator.now
        if let index = tags.find(line) {
            let mshr = tags.pendingMSHR[index]
            if mshr >= 0 {
                guard mshrs.canMerge(mshr) else { return false }
                mshrs.merge(mshr, target: now << 1)
                mshrMerges.add()
            } else {
                up!.send(simulator, at: now + latency, kind: MemoryMessage.data.rawValue, payload: line,
                         bytes: LineGeometry.dataMessageBytes)
            }
            tags.touch(index)
            accesses.add()
            hits.add()
            return true
        }
        guard allocate(line: line, target: now << 1, dirty: false, at: now, in: simulator) else { return false }
        accesses.add()
        misses.add()
        return true
    }

    private func acceptWriteback(_ line: UInt64, in simulator: Simulator) -> Bool {
        if let index = tags.find(line) {
            tags.markDirty(index)
            writebackHits.add()
            return true
        }
        let victim = tags.victim(inSet: tags.set(of: line))
        guard tags.pendingMSHR[victim] < 0 else { return false }
        evict(victim, at: simulator.now + latency, in: simulator)
        tags.install(line, at: victim, dirty: true, pendingMSHR: -1)
        writebackAllocations.add()
        return true
    }

    /// Data for `line` arrived: complete every waiting target and free the MSHR.
    private func fill(line: UInt64, in simulator: Simulator) throws(SimulationError) {
        guard let index = tags.find(line), tags.pendingMSHR[index] >= 0 else {
            throw SimulationError(.protocolViolation, time: simulator.now, component: path,
                                  message: "data for line 0x\(String(line << LineGeometry.lineShift, radix: 16)) that no MSHR is waiting for")
        }
        let mshr = tags.pendingMSHR[index]
        tags.completeFill(index)
        let base = Int(mshr) * mshrs.targetsPerEntry
        let count = mshrs.targetCount[Int(mshr)]
        for k in 0..<count {
            let target = mshrs.targets[base + k]
            if let client {
                client.accessCompleted(issuedAt: target >> 1, isStore: target & 1 == 1, in: simulator)
            } else {
                up!.send(simulator, at: simulator.now, kind: MemoryMessage.data.rawValue, payload: line,
                         bytes: LineGeometry.dataMessageBytes)
            }
        }
        mshrs.release(mshr)
        if let client {
            client.cacheUnblocked(in: simulator)
        } else {
            drainInput(in: simulator)
        }
    }

    public func outstandingTransactions() -> [String] {
        var out: [String] = []
        for i in 0..<mshrs.capacity where mshrs.targetCount[i] > 0 {
            out.append("MSHR \(i): line 0x\(String(mshrs.line[i] << LineGeometry.lineShift, radix: 16)) waiting for data since \(mshrs.allocatedAt[i]) ps (\(mshrs.targetCount[i]) target(s))")
        }
        if !input.isEmpty {
            out.append("\(input.count) request(s) queued behind a blocked head (\(input.first!.kind) line 0x\(String(input.first!.line << LineGeometry.lineShift, radix: 16)))")
        }
        return out
    }
}
