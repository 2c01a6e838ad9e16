import KonaEngine
import KonaProtocol
import KonaWorkloads

/// A core's private L1D and L2 in the functional model: the same tag arrays
/// (`PrivateCacheWays`) and `CoreComplexController` as `PrivateCacheComplex`, with no time and
/// no waiting accesses (every access's transaction completes before the next access).
/// - Complexity: an L1D hit is a tag lookup and an LRU stamp, O(ways); no allocation.
final class FunctionalComplex {
    let controller: CoreComplexController
    let l1, l2: TagStore
    private let ways: PrivateCacheWays
    /// The network and the memo are held strongly (they hold the parts unretained): a use
    /// of a strong `let` retains nothing, one of an `unowned(unsafe)` reference did.
    private let network: FunctionalNetwork
    /// The counts `PrivateCacheComplex` reports under the same names.
    private(set) var l1Hits: UInt64 = 0, l1Misses: UInt64 = 0, l2Hits: UInt64 = 0, l2Misses: UInt64 = 0
    private(set) var upgrades: UInt64 = 0, evictions: UInt64 = 0, snoops: UInt64 = 0
    /// The first protocol error met inside a transition callback, or the one `apply` met.
    var failure: ProtocolViolation?
    /// The system's transaction memo, if it has one.
    let memo: TransactionMemo?

    init(path: String, index: Int, llc: Endpoint, table: CoreComplexProtocol.Table,
         l1 level1: (sets: Int, ways: Int), l2 level2: (sets: Int, ways: Int), network: FunctionalNetwork, memo: TransactionMemo?,
         seed: UInt64) {
        ways = PrivateCacheWays(path: path, l1: level1, l2: level2, seed: seed)
        l1 = ways.l1
        l2 = ways.l2
        self.network = network
        self.memo = memo
        controller = CoreComplexController(index: index, llc: llc, table: table, network: network)
        let me = Unmanaged.passUnretained(self)        // called per transition: no retain of self
        controller.onTransition = { line, _, _, after in me._withUnsafeGuaranteedRef { $0.transitioned(line, to: after) } }
    }

    /// Applies a demand access to `line` and everything it causes in the system.
    @inline(__always)
    func access(line: UInt64, isStore: Bool) throws(ProtocolViolation) {
        let index = l1.find(line)
        if index >= 0 && (!isStore || l1.isDirty(index)) {
            l1Hits &+= 1
            l1.touch(index)
            return
        }
        try slowAccess(line: line, isStore: isStore, l1Index: index)
    }

    /// Applies `accesses` (this core's, in order) as `access` would one by one; returns the
    /// index of the one that violated the protocol (its error in `failure`), or -1.
    @inline(__always)
    func apply(_ accesses: UnsafeBufferPointer<MemoryAccess>) -> Int {
        guard let base = accesses.baseAddress else { return -1 }
        let count = accesses.count
        var i = 0
        while i < count {
            let a = base[i]
            do {
                try access(line: a.address >> LineGeometry.lineShift, isStore: a.kind == .store)
            } catch {
                failure = error
                return i
            }
            i &+= 1
        }
        return -1
    }

    private func slowAccess(line: UInt64, isStore: Bool, l1Index: Int) throws(ProtocolViolation) {
        let state = controller.state(line)
        switch state {
        case .S, .E, .M:
            if l1Index >= 0 {
                l1Hits += 1
                l1.touch(l1Index)
            } else {
                l1Misses += 1
                l2Hits += 1
                let i2 = l2.find(line)
                if i2 >= 0 { l2.touch(i2) }
                ways.fillL1(line, readyAt: 0, dirty: state == .M)
            }
        case .I:
            l1Misses += 1
            l2Misses += 1
        default:
            break
        }
        try request(line: line, isStore: isStore, state: state)
    }

    /// Makes the request an access to `line` in `state` needs (a store's upgrade of S or E,
    /// a miss's load or store; none for a load of a line held, or a store to one in M),
    /// through the memo when it has the transaction, and applies everything it causes.
    @inline(__always)
    private func request(line: UInt64, isStore: Bool, state: CoreComplexProtocol.State) throws(ProtocolViolation) {
        switch state {
        case .S, .E, .M:
            guard isStore && state != .M else { return }
            if state == .S { upgrades += 1 }
            if try memo?.apply(core: controller.index, line: line, isStore: true, state: state) != true { try controller.store(line, value: 0) }
        case .I:
            if try memo?.apply(core: controller.index, line: line, isStore: isStore, state: .I) != true {
                if isStore { try controller.store(line, value: 0) } else { try controller.load(line) }
            }
        default:
            throw ProtocolViolation(component: controller.name, line: line, state: state.name, event: isStore ? "Store" : "Load",
                                    message: "the functional model found a line in a transaction between accesses")
        }
        try network.drain()
        if let failure { throw failure }
    }

    /// Counts a snoop from the LLC and hands the message to the controller.
    func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        if message.kind == .Inv || message.kind == .Downgrade { snoops += 1 }
        try controller.receive(message)
    }

    /// A snoop of a memoized transaction.
    func countSnoop() { snoops += 1 }

    /// The private caches follow `line`'s transition to `state`, a memoized transaction's end
    /// state; `absent`: the line was in I (between accesses the caches hold exactly the lines
    /// in S, E or M). No other line of the core is in a transaction then, so every line the
    /// L2 holds is replaceable (S, E or M) without asking the controller.
    func follow(_ line: UInt64, to state: CoreComplexProtocol.State, absent: Bool) {
        ways.follow(line, from: absent ? .I : nil, to: state, at: 0, replaceable: { _ in true }, evict: { self.evict($0) })
    }

    private func transitioned(_ line: UInt64, to state: CoreComplexProtocol.State) {
        ways.follow(line, from: nil, to: state, at: 0, replaceable: { self.replaceable($0) }, evict: { self.evict($0) })
    }

    private func replaceable(_ line: UInt64) -> Bool {
        switch controller.state(line) {
        case .S, .E, .M: true
        default: false
        }
    }

    private func evict(_ line: UInt64) {
        evictions += 1
        do {
            if try memo?.evict(core: controller.index, line: line) != true { try controller.evict(line) }
        } catch {
            if failure == nil { failure = error }
        }
    }
}

// MARK: Faults (the paging home)

extension FunctionalComplex {
    /// An access that faults is counted as `PrivateCacheComplex` counts it: an L1D hit or
    /// miss, and an L2 hit or miss, by where its line is (no replacement state changes).
    func countFault(line: UInt64) {
        if l1.find(line) >= 0 {
            l1Hits += 1
        } else {
            l1Misses += 1
            if l2.find(line) >= 0 { l2Hits += 1 } else { l2Misses += 1 }
        }
    }

    /// The faulted access once its page is mapped, as `PrivateCacheComplex.retryFault` goes
    /// on with it: the request its line's state needs (no tag lookup counted, no L1D fill
    /// from the L2, no LRU update), and everything it causes. A paged system has no memo, so
    /// the request goes through the controller.
    func retryFault(line: UInt64, isStore: Bool) throws(ProtocolViolation) {
        try request(line: line, isStore: isStore, state: controller.state(line))
    }
}
