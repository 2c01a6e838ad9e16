import KonaEngine
import KonaProtocol

/// A socket LLC in the functional model: the same inclusive tag array and `LLCController`
/// as `SocketLLC`, with no slices and no time.
///
/// A line has a way exactly while its state is not I, except while it waits in the
/// writeback buffer for its home's ack, as in `SocketLLC`. A core request for a line without
/// a way in a full set waits (at most one does: accesses are applied one at a time) while
/// the least recently used stable line of the set is replaced, and is handled once a way is
/// free; it is counted then, as the detailed LLC counts it.
/// - Complexity: O(ways) per request; a replacement is O(ways) plus its messages.
final class FunctionalLLC {
    let controller: LLCController
    /// The tag array and the writeback buffer, kept in step with the controller as in `SocketLLC`.
    private let ways: LLCWays
    /// `ways.tags`, held here as well: a use of a stored `let` retains nothing.
    let tags: TagStore
    /// The core request waiting for a way, if any.
    private var waiting: CoherenceMessage?
    /// The counts `SocketLLC` reports under the same names.
    private(set) var requests: UInt64 = 0, misses: UInt64 = 0, replacements: UInt64 = 0
    /// Whether a transition may have made room for the waiting request.
    private var woken = false

    init(path: String, socket: Int, firstCore: Int, cores: Int, sets: Int, ways: Int, writebackBuffer: Int,
         table: LLCProtocol.Table, network: FunctionalNetwork, homeOf: @escaping (UInt64) -> Endpoint, seed: UInt64) {
        let llcWays = LLCWays(path: path, sets: sets, ways: ways, writebackBuffer: writebackBuffer, seed: seed)
        self.ways = llcWays
        tags = llcWays.tags
        controller = LLCController(socket: socket, firstCore: firstCore, cores: cores, table: table,
                                   network: network, homeOf: homeOf)
        let me = Unmanaged.passUnretained(self)        // called per transition: no retain of self
        controller.onTransition = { line, before, _, after in
            me._withUnsafeGuaranteedRef { $0.track(line, from: before, to: after) }
        }
    }

    func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        switch message.kind {
        case .GetS, .GetM, .Upgrade:
            let line = message.line
            if servesAtOnce(line, controller.state(line)) {
                try handle(message)
            } else {
                precondition(waiting == nil, "llc\(controller.socket): two core requests wait for a way")
                waiting = message
                try makeRoom(in: tags.set(of: line))
            }
        default:
            try controller.receive(message)
        }
        while woken {
            woken = false
            try serveWaiting()
        }
    }

    /// Whether a core request for `line`, in `state`, is handled at once: the line has a way,
    /// or its set a free one, and it is not on its way out.
    @inline(__always)
    func servesAtOnce(_ line: UInt64, _ state: LLCProtocol.State) -> Bool {
        !LLCWays.leaving(state) && (tags.find(line) >= 0 || tags.line(at: tags.victim(inSet: tags.set(of: line))) == TagStore.invalid)
    }

    private func handle(_ message: CoherenceMessage) throws(ProtocolViolation) {
        countRequest(message.line)
        try controller.receive(message)
    }

    /// Counts a core request for `line` as handled: a hit refreshes its way's age.
    @inline(__always)
    func countRequest(_ line: UInt64) {
        requests += 1
        let index = tags.find(line)
        if index >= 0 { tags.touch(index) } else { misses += 1 }
    }

    /// The way a memoized request for `line`, which is not on its way out, uses: its own
    /// (`held`), else the one it takes on leaving I (`LLCWays.track`'s choice: the set's
    /// first free way, or in a full set the least recently used, replaced first).
    @inline(__always)
    func requestWay(_ line: UInt64) -> (index: Int, held: Bool) {
        let found = tags.find(line)
        return found >= 0 ? (found, true) : (tags.victim(inSet: tags.set(of: line)), false)
    }

    /// `countRequest` for a memoized request whose way `requestWay` gave.
    @inline(__always)
    func countRequest(way: Int, held: Bool) {
        requests += 1
        if held { tags.touch(way) } else { misses += 1 }
    }

    /// `line` leaves I (a memoized request) into way `index`, the free way `requestWay` gave.
    @inline(__always)
    func install(_ line: UInt64, at index: Int) { ways.take(line, at: index) }

    /// The line in way `index` returns to I (a memoized replacement, with the writeback
    /// buffer empty and no request waiting): its way is freed.
    @inline(__always)
    func leave(at index: Int) { ways.release(at: index) }

    /// `line` returns to I from `state` (a memoized recall): its way is freed.
    func leave(_ line: UInt64, from state: LLCProtocol.State) { track(line, from: state, to: .I) }

    /// Replaces the least recently used stable line of `set` unless a way is already free
    /// or being freed.
    private func makeRoom(in set: Int) throws(ProtocolViolation) {
        guard let index = victim(inFullSet: set) else { return }
        countReplacement()
        try controller.replace(tags.line(at: index))
    }

    /// The way whose line a request for `set` replaces: the least recently used stable line,
    /// if no way is free or being freed.
    private func victim(inFullSet set: Int) -> Int? {
        for index in set * tags.ways ..< (set + 1) * tags.ways {
            let line = tags.line(at: index)
            if line == TagStore.invalid || LLCWays.leaving(controller.state(line)) { return nil }
        }
        return tags.oldest(inSet: set, where: { LLCWays.replaceable(self.controller.state($0)) })
    }

    /// Whether a memoized request whose set is full may replace the line in the way
    /// `requestWay` gave as one step: no request waits and the writeback buffer is empty (the
    /// victim's writeback then takes an entry and frees it without waiting). Between accesses
    /// no line is in a transaction, so every way holds a stable (replaceable) line and the
    /// least recently used way is `makeRoom`'s choice.
    @inline(__always)
    var replacesAtOnce: Bool { waiting == nil && ways.writebackBuffer.isEmpty && ways.writebackBufferSize > 0 }

    /// Whether no core request waits for a way.
    var isIdle: Bool { waiting == nil }

    /// Counts a replacement.
    @inline(__always) func countReplacement() { replacements += 1 }

    /// Notes that the waiting request may proceed, once the current message is done (the
    /// controller's transitions may still be running).
    private func wake(_ set: Int) {
        if let message = waiting, tags.set(of: message.line) == set { woken = true }
    }

    /// Serves the waiting request if its set now has room for it.
    private func serveWaiting() throws(ProtocolViolation) {
        guard let message = waiting else { return }
        let line = message.line
        let blocked = LLCWays.leaving(controller.state(line))
            || (tags.find(line) < 0 && tags.line(at: tags.victim(inSet: tags.set(of: line))) != TagStore.invalid)
        if blocked { return }
        waiting = nil
        try handle(message)
    }

    private func track(_ line: UInt64, from before: LLCProtocol.State, to after: LLCProtocol.State) {
        guard before != after else { return }
        let freed = ways.track(line, from: before, to: after)
        if freed.first >= 0 { wake(freed.first) }
        if freed.second >= 0 { wake(freed.second) }
    }
}
