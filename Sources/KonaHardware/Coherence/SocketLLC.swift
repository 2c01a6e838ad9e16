import KonaEngine
import KonaProtocol

/// A socket's last-level cache, timed: the `LLCProtocol` directory of its cores (an
/// `LLCController`) over a set-associative, inclusive tag array.
///
/// A message that arrives at time `t` enters its line's slice (lines interleave over
/// `slices`, each accepting a bounded number of messages per cycle; the rest queue) and
/// leaves its answers `latency` after it was accepted. A line takes a
/// way when its state leaves I; if the set is full, the least recently used line in a
/// stable state (S, E or M) is replaced first, which back-invalidates the cores holding
/// it (inclusion) and writes it back to its home. A line being replaced leaves the tag
/// array at once (it waits for its acks in a writeback buffer, as the controller's
/// transient states), and its way is freed when its state reaches I. In the rare case
/// that every way of the set is in a transaction, the new line is tracked without a way
/// (`overflows` counts it) rather than stalling the interconnect, and takes a way when it
/// next reaches a stable state.
public final class SocketLLC {
    public let path: String
    /// The directory and caching agent.
    public let controller: LLCController
    /// Presence and replacement order of the lines (the controller holds their states).
    public let tags: TagStore
    /// Tag and data access time.
    public let latency: Tick
    /// Each slice's lookup pipeline; line `l` belongs to slice `l mod slices`.
    public private(set) var slices: [LookupPort]
    private let outbox: TimedOutbox
    private unowned(unsafe) let simulator: Simulator
    /// Requests from cores (GetS, GetM, Upgrade).
    public private(set) var requests: UInt64 = 0
    /// Requests for lines the LLC did not hold.
    public private(set) var misses: UInt64 = 0
    /// Lines replaced to make room (back-invalidations).
    public private(set) var replacements: UInt64 = 0
    /// Lines that found every way of their set in a transaction.
    public private(set) var overflows: UInt64 = 0

    /// An LLC of `sets` x `ways` lines for socket `socket`, whose cores are
    /// `firstCore ..< firstCore + cores`.
    public init(path: String, socket: Int, firstCore: Int, cores: Int, sets: Int, ways: Int, latency: Tick,
                slices: [LookupPort], table: LLCProtocol.Table, outbox: TimedOutbox, homeOf: @escaping (UInt64) -> Endpoint,
                simulator: Simulator, seed: UInt64, stats: StatsRegistry) {
        self.path = path
        self.latency = latency
        precondition(!slices.isEmpty, "an LLC has at least one slice")
        self.slices = slices
        self.outbox = outbox
        self.simulator = simulator
        tags = TagStore(sets: sets, ways: ways, policy: .lru, random: RandomStream(seed: seed, path: path + ".replacement"))
        controller = LLCController(socket: socket, firstCore: firstCore, cores: cores, table: table,
                                   network: outbox, homeOf: homeOf)
        controller.onTransition = { [unowned(unsafe) self] line, before, _, after in
            self.track(line, from: before, to: after)
        }
        func count(_ name: String, _ doc: String, _ unit: String, _ read: @escaping (SocketLLC) -> UInt64) {
            stats.formula(path + "." + name, doc, unit: unit) { [unowned self] in .integer(read(self)) }
        }
        count("requests", "core requests (GetS, GetM, Upgrade)", "requests") { $0.requests }
        count("misses", "core requests for lines the socket did not hold", "requests") { $0.misses }
        count("replacements", "lines replaced to make room (cores back-invalidated)", "lines") { $0.replacements }
        count("overflows", "lines that found every way of their set in a transaction (held outside the tag array)", "lines") { $0.overflows }
        registerLookupStatistics(path, stats) { [unowned self] in self.slices }
        stats.formula(path + ".hit_rate", "1 - misses / requests", unit: "ratio") { [unowned self] in
            .real(self.requests == 0 ? 0 : 1 - Double(self.misses) / Double(self.requests))
        }
    }

    /// A message from a core or a home arrives now.
    public func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        outbox.time = slices[Int(message.line % UInt64(slices.count))].admit(at: simulator.now) + latency
        switch message.kind {
        case .GetS, .GetM, .Upgrade:
            requests += 1
            let index = tags.find(message.line)
            if tracer != nil { pulse(signals.request) }
            if index >= 0 {
                tags.touch(index)
            } else if controller.state(message.line) == .I {
                misses += 1
                if tracer != nil { pulse(signals.miss) }
            }
        default: break
        }
        try controller.receive(message)
        if let violation = pendingViolation {
            pendingViolation = nil
            throw violation
        }
    }

    private var pendingViolation: ProtocolViolation?
    private var watch = LineWatch()
    private var tracer: SignalTracer?
    private var signals: (request: SignalID?, miss: SignalID?, transactions: SignalID?)

    /// Declares the LLC's signals: `transactions` (lines in a transient state: the LLC's
    /// MSHR and writeback-buffer occupancy), `request` and `miss` (a pulse per core request, and per
    /// request for a line the socket did not hold).
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

    /// Keeps the tag array in step with the controller: a line takes a way when it leaves
    /// I and frees it when it returns there.
    private func track(_ line: UInt64, from before: LLCProtocol.State, to after: LLCProtocol.State) {
        if watch.tracer != nil { watch.note(line, after.name, at: outbox.time) }
        if tracer != nil { traceTransactions(from: before, to: after) }
        if after == .I {
            let index = tags.find(line)
            if index >= 0 { tags.invalidate(index) }
        } else if before == .I {
            allocate(line, first: true)
        } else if Self.replaceable(after) && tags.find(line) < 0 {
            allocate(line, first: false)    // it overflowed; now stable, it may take a way
        }
    }

    /// Gives `line` a way; `first` when the line has just arrived (overflows count lines).
    private func allocate(_ line: UInt64, first: Bool) {
        let set = tags.set(of: line)
        var index = tags.victim(inSet: set)
        var old = tags.line(at: index)
        if old != TagStore.invalid && !Self.replaceable(controller.state(old)) {
            // The LRU line is in a transaction: take the oldest replaceable one instead.
            guard let other = tags.oldest(inSet: set, where: { Self.replaceable(self.controller.state($0)) }) else {
                if first { overflows += 1 }
                return
            }
            index = other
            old = tags.line(at: index)
        }
        tags.install(line, at: index, dirty: false, readyAt: 0)
        if old != TagStore.invalid {
            replacements += 1
            do {
                try controller.replace(old)
            } catch {
                if pendingViolation == nil { pendingViolation = error }
            }
        }
    }

    @inline(never)
    private func traceTransactions(from before: LLCProtocol.State, to after: LLCProtocol.State) {
        guard let tracer, let id = signals.transactions else { return }
        let wasBusy = !Self.stable(before), isBusy = !Self.stable(after)
        if wasBusy != isBusy { tracer.adjust(id, at: outbox.time, by: isBusy ? 1 : -1) }
    }

    private static func stable(_ state: LLCProtocol.State) -> Bool { state == .I || replaceable(state) }

    private static func replaceable(_ state: LLCProtocol.State) -> Bool { state == .S || state == .E || state == .M }
}
