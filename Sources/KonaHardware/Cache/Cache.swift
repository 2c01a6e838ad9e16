import KonaEngine

/// A write-back, write-allocate, set-associative cache level, timed by reservation.
///
/// Requests are processed in order, each at the time it reaches the cache: the tags
/// change then, so hit and miss counts equal those of an untimed simulator of the same
/// stream. A request that cannot proceed (no free MSHR, too many accesses merged into a
/// fill, or a victim whose own fill is still in flight) waits, and with it every later
/// request (the input blocks at its head). A miss asks the next level for the line and
/// then writes back the dirty victim; a hit on a line still being filled (an MSHR merge)
/// gets its data when the fill arrives. Writebacks from above mark a present line dirty
/// without refreshing its replacement state; one that misses allocates the line dirty
/// without a fetch. A demand hit costs a tag lookup and a few adds: no allocation, no
/// event.
public final class Cache: MemorySide {
    /// The timing of one demand access.
    public struct Timing: Sendable {
        /// When the cache took the request (later than asked if its input was blocked).
        public var accepted: Tick
        /// When the data is ready for the requester.
        public var ready: Tick
        /// Whether the data was absent or still being filled at `accepted`.
        public var waitedForFill: Bool
        /// Whether the access allocated the line (a primary miss).
        public var missed: Bool

        /// A deferred access that faulted: the core issues nothing more until it completes
        /// (a page fault is a precise exception). `ready` is `.max`, `accepted` this marker.
        public static let faultMarker: Tick = .max - 1
    }

    public let path: String
    /// Tag lookup and data access time.
    public let latency: Tick
    /// Tags, dirty bits and fill times.
    public let tags: TagStore
    /// Outstanding fills.
    public let mshrs: MSHRFile
    /// Accesses one MSHR serves (the allocating miss plus merged ones).
    public let targetsPerMSHR: Int
    /// The next level (a `let`, so calls to it need no retain).
    public let next: any MemorySide
    /// No request is accepted before this time (head-of-line blocking).
    public private(set) var inputFreeAt: Tick = 0

    /// Demand accesses (every one is a hit or a miss).
    public var accesses: UInt64 { hits &+ misses }
    /// Demand accesses that found their line (present or still being filled).
    public private(set) var hits: UInt64 = 0
    /// Demand accesses that allocated a line (primary misses).
    public private(set) var misses: UInt64 = 0
    /// Hits on a line still being filled (a subset of `hits`).
    public private(set) var mshrMerges: UInt64 = 0
    /// Dirty lines written back to the next level.
    public private(set) var writebacks: UInt64 = 0
    /// Writebacks from above that found their line.
    public private(set) var writebackHits: UInt64 = 0
    /// Writebacks from above that allocated a line.
    public private(set) var writebackAllocations: UInt64 = 0
    /// Time requests spent waiting at the blocked input, in ticks.
    public private(set) var blockedTime: Tick = 0
    private var tracer: SignalTracer?
    private var signals: (hit: SignalID?, miss: SignalID?, mshrs: SignalID?, blocked: SignalID?)
    private var watched: [(line: UInt64, signal: SignalID)] = []

    /// A cache with the given geometry in front of `next`, registering its statistics
    /// under `path`.
    public init(path: String, sets: Int, ways: Int, policy: ReplacementPolicy, latency: Tick,
                mshrs: Int, targetsPerMSHR: Int, next: any MemorySide, seed: UInt64, stats: StatsRegistry) {
        self.next = next
        precondition(targetsPerMSHR >= 1, "MSHR targets \(targetsPerMSHR) < 1")
        self.path = path
        self.latency = latency
        self.tags = TagStore(sets: sets, ways: ways, policy: policy,
                             random: RandomStream(seed: seed, path: path + ".replacement"))
        self.mshrs = MSHRFile(capacity: mshrs)
        self.targetsPerMSHR = targetsPerMSHR
        func count(_ name: String, _ doc: String, _ unit: String, _ read: @escaping (Cache) -> UInt64) {
            stats.formula(path + "." + name, doc, unit: unit) { [unowned self] in .integer(read(self)) }
        }
        count("accesses", "demand accesses (loads and stores)", "accesses") { $0.accesses }
        count("hits", "demand accesses that found their line, present or being filled", "accesses") { $0.hits }
        count("misses", "demand accesses that allocated a line (primary misses)", "accesses") { $0.misses }
        count("mshr_merges", "hits on a line still being filled (merged into its MSHR)", "accesses") { $0.mshrMerges }
        count("writebacks", "dirty lines written back to the next level", "lines") { $0.writebacks }
        count("writeback_hits", "writebacks from above that found their line", "lines") { $0.writebackHits }
        count("writeback_allocations", "writebacks from above that allocated a line", "lines") { $0.writebackAllocations }
        stats.formula(path + ".hit_rate", "hits / accesses", unit: "ratio") { [unowned self] in
            .real(self.accesses == 0 ? 0 : Double(self.hits) / Double(self.accesses))
        }
        stats.formula(path + ".blocked_ns", "time requests waited at the head of the input (MSHRs, targets, a filling victim) or behind it", unit: "ns") { [unowned self] in
            .real(Double(self.blockedTime) / 1000)
        }
    }

    /// Declares this cache's signals with `tracer`: `hit` and `miss` (a 1 ps pulse per demand
    /// access), `mshrs` (MSHRs in use) and `blocked` (a request waits at the input).
    public func trace(with tracer: SignalTracer) {
        self.tracer = tracer
        signals = (tracer.declare(path + ".hit", .wire(width: 1), initial: .bits(0)),
                   tracer.declare(path + ".miss", .wire(width: 1), initial: .bits(0)),
                   tracer.declare(path + ".mshrs", .wire(width: 16), initial: .bits(0)),
                   tracer.declare(path + ".blocked", .wire(width: 1), initial: .bits(0)))
    }

    /// Also traces the state of each line in `lines` in this cache, as a string signal
    /// `<path>.watch.<address>`: `I`, `fill` (data in flight), `E` (clean) or `M` (dirty).
    public func watch(_ lines: [UInt64], with tracer: SignalTracer) {
        self.tracer = tracer
        for line in lines {
            let address = "0x" + String(line << LineGeometry.lineShift, radix: 16)
            if let id = tracer.declare(path + ".watch." + address, .string, initial: .string("I")) {
                watched.append((line, id))
            }
        }
    }

    /// Records the watched `line`'s state at `time` (and, for a fill, when its data lands).
    @inline(__always)
    private func noteState(_ line: UInt64, at time: Tick, _ state: String, thenAt ready: Tick = 0, _ after: String = "") {
        guard !watched.isEmpty, let tracer, let entry = watched.first(where: { $0.line == line }) else { return }
        tracer.record(entry.signal, at: time, .string(state))
        if !after.isEmpty && ready > time { tracer.record(entry.signal, at: ready, .string(after)) }
    }

    /// Tracing work of a hit, kept out of line so that the untraced hit path stays small.
    @inline(never)
    private func traceHit(_ line: UInt64, index: Int, isStore: Bool, at t: Tick) {
        pulse(signals.hit, at: t)
        if isStore && !watched.isEmpty { noteState(line, at: max(t, tags.readyTime(index)), "M") }
    }

    /// Tracing work of a miss (before the victim is replaced), kept out of line.
    @inline(never)
    private func traceMiss(_ line: UInt64, victim: Int, dirty: Bool, at t: Tick, sent: Tick, ready: Tick) {
        if !watched.isEmpty {
            let old = tags.line(at: victim)
            if old != TagStore.invalid { noteState(old, at: sent, "I") }
            noteState(line, at: t, "fill", thenAt: ready, dirty ? "M" : "E")
        }
        if let tracer, let id = signals.mshrs {
            tracer.adjust(id, at: t, by: 1)
            tracer.adjust(id, at: ready, by: -1)
        }
    }

    @inline(__always)
    private func pulse(_ id: SignalID?, at time: Tick) {
        guard let tracer, let id else { return }
        tracer.record(id, at: time, .bits(1))
        tracer.record(id, at: time &+ 1, .bits(0))
    }

    /// Delays `time` to when the input is free.
    @inline(__always)
    private func admit(_ time: Tick) -> Tick {
        if time >= inputFreeAt { return time }
        blockedTime &+= inputFreeAt &- time
        if let tracer, let id = signals.blocked {
            tracer.record(id, at: time, .bits(1))
            tracer.record(id, at: inputFreeAt, .bits(0))
        }
        return inputFreeAt
    }

    /// Holds the request at the head of the input from `time` until `until`, and every
    /// later request with it.
    @inline(__always)
    private func wait(from time: Tick, until: Tick) -> Tick {
        blockedTime &+= until &- time
        if until > inputFreeAt { inputFreeAt = until }
        if let tracer, let id = signals.blocked {
            tracer.record(id, at: time, .bits(1))
            tracer.record(id, at: until, .bits(0))
        }
        return until
    }

    /// A demand access (a load, or a store when `isStore`) reaching the cache at `time`.
    @inline(__always)
    public func access(line: UInt64, isStore: Bool, at time: Tick) -> Timing {
        var t = admit(time)
        let index = tags.find(line)
        if index >= 0 {
            hits &+= 1
            if tracer != nil { traceHit(line, index: index, isStore: isStore, at: t) }
            if isStore { tags.markDirty(index) }
            tags.touch(index)
            let ready = tags.readyTime(index)
            if ready <= t { return Timing(accepted: t, ready: t &+ latency, waitedForFill: false, missed: false) }
            if tags.merges(index) &+ 1 >= UInt32(targetsPerMSHR) {
                // No target left in the MSHR: wait for the fill, then hit.
                t = wait(from: t, until: ready)
                return Timing(accepted: t, ready: t &+ latency, waitedForFill: true, missed: false)
            }
            tags.addMerge(index)
            mshrMerges &+= 1
            return Timing(accepted: t, ready: max(ready, t &+ latency), waitedForFill: true, missed: false)
        }
        misses &+= 1
        if tracer != nil { pulse(signals.miss, at: t) }
        return miss(line: line, dirty: isStore, at: t)
    }

    /// Allocates `line`: waits for an MSHR and for the victim's own fill, asks the next
    /// level for the line, then writes back the dirty victim.
    private func miss(line: UInt64, dirty: Bool, at time: Tick) -> Timing {
        var t = time
        let (entry, free) = mshrs.firstFree(atOrAfter: t)
        if free > t { t = wait(from: t, until: free) }
        let victim = tags.victim(inSet: tags.set(of: line))
        let victimReady = tags.readyTime(victim)
        if victimReady > t { t = wait(from: t, until: victimReady) }
        let send = t &+ latency
        let ready = next.read(line: line, at: send)
        evict(victim, at: send)
        if tracer != nil { traceMiss(line, victim: victim, dirty: dirty, at: t, sent: send, ready: ready) }
        tags.install(line, at: victim, dirty: dirty, readyAt: ready)
        mshrs.hold(entry, until: ready)
        return Timing(accepted: t, ready: ready, waitedForFill: true, missed: true)
    }

    /// Writes back way `index` if it holds a dirty line.
    @inline(__always)
    private func evict(_ index: Int, at time: Tick) {
        let old = tags.line(at: index)
        guard old != TagStore.invalid, tags.isDirty(index) else { return }
        writebacks &+= 1
        next.writeback(line: old, at: time)
    }

    // MARK: MemorySide: requests from the level above

    public func read(line: UInt64, at time: Tick) -> Tick {
        access(line: line, isStore: false, at: time).ready
    }

    public func writeback(line: UInt64, at time: Tick) {
        var t = admit(time)
        let index = tags.find(line)
        if index >= 0 {
            tags.markDirty(index)
            writebackHits &+= 1
            if !watched.isEmpty { noteState(line, at: max(t, tags.readyTime(index)), "M") }
            return
        }
        let victim = tags.victim(inSet: tags.set(of: line))
        let victimReady = tags.readyTime(victim)
        if victimReady > t { t = wait(from: t, until: victimReady) }
        if !watched.isEmpty {
            let old = tags.line(at: victim)
            if old != TagStore.invalid { noteState(old, at: t &+ latency, "I") }
            noteState(line, at: t &+ latency, "M")
        }
        evict(victim, at: t &+ latency)
        tags.install(line, at: victim, dirty: true, readyAt: t &+ latency)
        writebackAllocations &+= 1
    }
}
