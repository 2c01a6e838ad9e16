import KonaEngine
import KonaProtocol

/// A socket's last-level cache, timed: the `LLCProtocol` directory of its cores (an
/// `LLCController`) over a set-associative, inclusive tag array that bounds what it holds.
///
/// A message that arrives at time `t` enters its line's slice (lines interleave over
/// `slices`, each accepting a bounded number of messages per cycle; the rest queue) and
/// leaves its answers `latency` after it was accepted. A line has a
/// way exactly while its state is not I: it takes a free way when a core's request for it
/// is handled, and keeps it through every transient state, its own replacement included
/// (back-invalidating its cores, then writing it back to its home), until it returns to
/// I. So a set never holds more than `ways` lines, and every line a core holds has a way:
/// inclusion is a property of the tag array.
///
/// A core request (GetS, GetM, Upgrade) for a line without a way, or for one that is
/// leaving (being replaced, or invalidated by its home), needs a way. If its set has none
/// free it waits here, parked per set in arrival order, without reaching the controller
/// and without holding up other sets or other messages; a later request to the same set
/// waits behind it even if its line is present, so a busy line cannot starve the waiting
/// ones. The first waiting request is handled, as if it arrived then, as soon as it can
/// be: a way of its set is free, or its line has a way again (an earlier request allocated
/// it) and is not leaving (`way_waits` counts the requests that waited). Meanwhile the LLC
/// replaces the least recently used lines of the set in a stable state (S, E or M), as
/// many as the waiting requests need beyond the ways already free or being freed. A
/// transient line never needs a waiting request to finish: it waits only for its cores'
/// acks and Unblocks and for its home's data, grants and acks. (Core requests that the
/// controller parked on a busy line arrived before every waiting one; when such a line
/// returns to I they take its way again at once.)
///
/// - Invariant: a line is in the tag array exactly when its state is not I (checked after
///   every transition in debug builds).
public final class SocketLLC {
    public let path: String
    /// The directory and caching agent.
    public let controller: LLCController
    /// Presence and replacement order of the lines (the controller holds their states).
    public let tags: TagStore
    /// The tag array and the writeback buffer, kept in step with the controller.
    private let ways: LLCWays
    /// Tag and data access time.
    public let latency: Tick
    /// Each slice's lookup pipeline; line `l` belongs to slice `l mod slices`.
    public var slices: [LookupPort] { Array(UnsafeBufferPointer(start: ports, count: sliceCount)) }
    /// The same, in a buffer this LLC owns: a message is admitted in place, without a
    /// copy-on-write check.
    private let ports: UnsafeMutablePointer<LookupPort>
    private let sliceCount: Int
    private let outbox: TimedOutbox
    private unowned(unsafe) let simulator: Simulator
    /// A core request waiting in its set's queue, and when it arrived.
    private struct Waiting {
        var message: CoherenceMessage
        var arrived: Tick
        /// When its slice accepted it on arrival, plus the LLC's latency.
        var answerTime: Tick
    }
    /// Core requests waiting for a way (or behind one that is), per set, in arrival order.
    private var waiting: [[Waiting]]
    /// Requests waiting in all sets.
    private var waitingCount = 0
    /// Sets with waiting requests in which a way was freed or became replaceable since
    /// they were last served.
    private var ready: [Int] = []
    /// Core requests (GetS, GetM, Upgrade), counted when handled.
    public private(set) var requests: UInt64 = 0
    /// Requests for lines the LLC did not hold when they were handled.
    public private(set) var misses: UInt64 = 0
    /// Lines replaced to make room (back-invalidations).
    public private(set) var replacements: UInt64 = 0
    /// Requests that waited for a way of their set (or behind one that did).
    public private(set) var wayWaits: UInt64 = 0
    /// Entries of the writeback buffer: replaced lines whose cores have dropped them and whose
    /// writeback waits for the home's ack, held without a way.
    public var writebackBufferSize: Int { ways.writebackBufferSize }
    /// The lines in the writeback buffer (in no particular order).
    public var writebackBuffer: [UInt64] { ways.writebackBuffer }

    /// An LLC of `sets` x `ways` lines for socket `socket`, whose cores are
    /// `firstCore ..< firstCore + cores`.
    public init(path: String, socket: Int, firstCore: Int, cores: Int, sets: Int, ways: Int, latency: Tick,
                slices: [LookupPort], writebackBuffer: Int, table: LLCProtocol.Table, outbox: TimedOutbox,
                homeOf: @escaping (UInt64) -> Endpoint, simulator: Simulator, seed: UInt64, stats: StatsRegistry) {
        self.path = path
        self.latency = latency
        precondition(!slices.isEmpty, "an LLC has at least one slice")
        sliceCount = slices.count
        ports = .allocate(capacity: slices.count)
        ports.initialize(from: slices, count: slices.count)
        self.outbox = outbox
        self.simulator = simulator
        self.ways = LLCWays(path: path, sets: sets, ways: ways, writebackBuffer: writebackBuffer, seed: seed)
        tags = self.ways.tags
        waiting = Array(repeating: [], count: sets)
        controller = LLCController(socket: socket, firstCore: firstCore, cores: cores, table: table,
                                   network: outbox, homeOf: homeOf)
        // Called through a guaranteed reference: an unowned(unsafe) capture is retained per call.
        let me = Unmanaged.passUnretained(self)
        controller.onTransition = { line, before, _, after in
            me._withUnsafeGuaranteedRef { $0.track(line, from: before, to: after) }
        }
        func count(_ name: String, _ doc: String, _ unit: String, _ read: @escaping (SocketLLC) -> UInt64) {
            stats.formula(path + "." + name, doc, unit: unit) { [unowned self] in .integer(read(self)) }
        }
        count("requests", "core requests (GetS, GetM, Upgrade), counted when handled (after any wait for a way)", "requests") { $0.requests }
        count("misses", "core requests for lines the socket did not hold when handled", "requests") { $0.misses }
        count("replacements", "lines replaced to make room (cores back-invalidated)", "lines") { $0.replacements }
        count("way_waits", "core requests that waited for a way of their set (every way in a transaction, or their line still leaving), or behind one that did", "requests") { $0.wayWaits }
        registerLookupStatistics(path, stats) { [unowned self] in self.slices }
        stats.formula(path + ".hit_rate", "1 - misses / requests", unit: "ratio") { [unowned self] in
            .real(self.requests == 0 ? 0 : 1 - Double(self.misses) / Double(self.requests))
        }
    }

    deinit {
        ports.deinitialize(count: sliceCount)
        ports.deallocate()
    }

    /// A message from a core or a home arrives now.
    public func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        outbox.time = ports[Int(message.line % UInt64(sliceCount))].admit(at: simulator.now) + latency
        switch message.kind {
        case .GetS, .GetM, .Upgrade:
            let line = message.line, set = tags.set(of: line)
            if waiting[set].isEmpty && tags.find(line) >= 0 && !LLCWays.leaving(controller.state(line)) {
                try handle(message)
            } else {
                waiting[set].append(Waiting(message: message, arrived: simulator.now, answerTime: outbox.time))
                waitingCount += 1
                try serve(set)
            }
        default:
            try controller.receive(message)
        }
        while !ready.isEmpty { try serve(ready.removeFirst()) }
    }

    /// Counts a core request and hands it to the controller: the line has a way and is not
    /// leaving, or it has none and a way of its set is free.
    private func handle(_ message: CoherenceMessage) throws(ProtocolViolation) {
        requests += 1
        if tracer != nil { pulse(signals.request) }
        let index = tags.find(message.line)
        if index >= 0 {
            tags.touch(index)
        } else {
            misses += 1
            if tracer != nil { pulse(signals.miss) }
        }
        try controller.receive(message)
    }

    /// Hands `set`'s waiting requests to the controller in arrival order, as long as the
    /// first can proceed: its line has a way and is not leaving (an earlier request may have
    /// allocated it), or it has none and a way is free. Then replaces as many stable lines
    /// as the requests still waiting need.
    private func serve(_ set: Int) throws(ProtocolViolation) {
        while let first = waiting[set].first {
            let message = first.message
            let blocked = LLCWays.leaving(controller.state(message.line))           // it must reach I first
                || (tags.find(message.line) < 0 && tags.line(at: tags.victim(inSet: set)) != TagStore.invalid)   // no free way
            if blocked { break }
            waiting[set].removeFirst()
            waitingCount -= 1
            if first.arrived < simulator.now {
                wayWaits += 1
                // Handled as if it arrived now: it takes a lookup slot again.
                outbox.time = ports[Int(message.line % UInt64(sliceCount))].admit(at: simulator.now) + latency
            } else {
                outbox.time = first.answerTime
            }
            try handle(message)
        }
        try makeRoom(in: set)
    }

    /// Replaces the least recently used stable lines of `set` while its waiting requests
    /// need more ways (one per distinct line without a way or leaving) than are free or
    /// being freed. O(waiting^2 + ways).
    private func makeRoom(in set: Int) throws(ProtocolViolation) {
        let queue = waiting[set]
        guard !queue.isEmpty else { return }
        var needed = 0
        for k in queue.indices where !queue[..<k].contains(where: { $0.message.line == queue[k].message.line }) {
            let line = queue[k].message.line
            if tags.find(line) < 0 || LLCWays.leaving(controller.state(line)) { needed += 1 }
        }
        var coming = 0
        for index in set * tags.ways ..< (set + 1) * tags.ways {
            let line = tags.line(at: index)
            if line == TagStore.invalid || LLCWays.leaving(controller.state(line)) { coming += 1 }
        }
        while needed > coming, let index = tags.oldest(inSet: set, where: { LLCWays.replaceable(self.controller.state($0)) }) {
            replacements += 1
            coming += 1
            try controller.replace(tags.line(at: index))
        }
    }

    private var watch = LineWatch()
    private var tracer: SignalTracer?
    private var signals: (request: SignalID?, miss: SignalID?, transactions: SignalID?)

    /// Declares the LLC's signals: `transactions` (lines in a transient state: misses and
    /// other transactions in flight, replacements included), `request` and `miss` (a pulse
    /// per core request when it is handled, and per request for a line the socket did not
    /// hold).
    public func trace(with tracer: SignalTracer) {
        self.tracer = tracer
        signals = (tracer.declare(path + ".request", .wire(width: 1), initial: .bits(0)),
                   tracer.declare(path + ".miss", .wire(width: 1), initial: .bits(0)),
                   tracer.declare(path + ".transactions", .wire(width: 16), initial: .bits(0)))
    }

    /// Also traces the coherence state of `lines` in this LLC (`<path>.watch.<address>`).
    public func watch(_ lines: [UInt64], with tracer: SignalTracer) {
        watch.declare(lines, path: path, initial: "I", with: tracer)
    }

    @inline(never)
    private func pulse(_ id: SignalID?) {
        guard let tracer, let id else { return }
        tracer.record(id, at: outbox.time, .bits(1))
        tracer.record(id, at: outbox.time + 1, .bits(0))
    }

    /// Keeps the tag array in step with the controller: a line takes a free way when it
    /// leaves I and frees it when it returns there. A way freed, or a line become
    /// replaceable, lets the set's waiting requests be served once the current message is
    /// done (its transitions may still be running).
    private func track(_ line: UInt64, from before: LLCProtocol.State, to after: LLCProtocol.State) {
        if watch.tracer != nil { watch.note(line, after.name, at: outbox.time) }
        if tracer != nil { traceTransactions(from: before, to: after) }
        guard before != after else { return }
        let freed = ways.track(line, from: before, to: after)
        if freed.first >= 0 { wake(freed.first) }
        if freed.second >= 0 { wake(freed.second) }
        if before != .I && LLCWays.replaceable(after) { wake(tags.set(of: line)) }
        assert((tags.find(line) >= 0) == (after != .I && !ways.isBuffered(line))
               && controller.lines.count <= tags.sets * tags.ways + writebackBuffer.count
               && writebackBuffer.count <= writebackBufferSize,
               "\(path): line \(line) in \(after) at way \(tags.find(line)); \(controller.lines.count) lines in a non-I state, \(tags.sets) x \(tags.ways) ways, \(writebackBuffer.count) buffered")
    }

    private func wake(_ set: Int) {
        if waitingCount > 0 && !waiting[set].isEmpty && !ready.contains(set) { ready.append(set) }
    }

    @inline(never)
    private func traceTransactions(from before: LLCProtocol.State, to after: LLCProtocol.State) {
        guard let tracer, let id = signals.transactions else { return }
        let wasBusy = !Self.stable(before), isBusy = !Self.stable(after)
        if wasBusy != isBusy { tracer.adjust(id, at: outbox.time, by: isBusy ? 1 : -1) }
    }

    private static func stable(_ state: LLCProtocol.State) -> Bool { state == .I || LLCWays.replaceable(state) }
}
