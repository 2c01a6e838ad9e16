import KonaEngine
import KonaProtocol

/// A core's L1D and L2 tag arrays kept in step with its `CoreComplexController`, shared by the
/// detailed `PrivateCacheComplex` and the functional `FunctionalComplex` (the one place that
/// decides which lines the private caches hold).
///
/// A line that reaches S, SM_A, E or M is installed in the L2 (replacing the least recently
/// used line with no transaction, which is evicted through the controller) and the L1D; a
/// line in M is dirty in the L1D, so a store hit on it needs no controller; any other state
/// drops the line from both.
/// - Complexity: O(ways) per transition; no allocation.
final class PrivateCacheWays {
    let l1, l2: TagStore

    init(path: String, l1 level1: (sets: Int, ways: Int), l2 level2: (sets: Int, ways: Int), seed: UInt64) {
        l1 = TagStore(sets: level1.sets, ways: level1.ways, policy: .lru,
                      random: RandomStream(seed: seed, path: path + ".l1d.replacement"))
        l2 = TagStore(sets: level2.sets, ways: level2.ways, policy: .lru,
                      random: RandomStream(seed: seed, path: path + ".l2.replacement"))
    }

    /// Follows `line`'s transition to `state` at `now`; a line the L2 must replace is one
    /// `replaceable` accepts, and goes through `evict`. `absent`: the caller knows that
    /// neither cache holds the line (its state before was I), so neither is searched.
    @inline(__always)
    func follow(_ line: UInt64, to state: CoreComplexProtocol.State, at now: Tick, absent: Bool = false,
                replaceable: (UInt64) -> Bool, evict: (UInt64) -> Void) {
        switch state {
        case .S, .SM_A, .E, .M:
            var i1 = absent ? -1 : l1.find(line)
            if absent || l2.find(line) < 0 {
                if !fillL2(line, at: now, replaceable: replaceable, evict: evict) { break }
                fillL1(line, readyAt: now, dirty: false)
                i1 = l1.find(line)
            }
            if i1 >= 0 { if state == .M { l1.markDirty(i1) } else { l1.clearDirty(i1) } }
        default:
            if absent { return }
            let i1 = l1.find(line)
            if i1 >= 0 { l1.invalidate(i1) }
            let i2 = l2.find(line)
            if i2 >= 0 { l2.invalidate(i2) }
        }
    }

    /// Installs `line` in the L1D over its set's victim.
    @inline(__always)
    func fillL1(_ line: UInt64, readyAt: Tick, dirty: Bool) {
        l1.install(line, at: l1.victim(inSet: l1.set(of: line)), dirty: dirty, readyAt: readyAt)
    }

    /// Puts `line` in the L2 over the least recently used line that `replaceable` accepts;
    /// false (and `line` is evicted again at once) if no way has one.
    @inline(__always)
    private func fillL2(_ line: UInt64, at now: Tick, replaceable: (UInt64) -> Bool, evict: (UInt64) -> Void) -> Bool {
        let set = l2.set(of: line)
        var index = l2.victim(inSet: set)
        var old = l2.line(at: index)
        if old != TagStore.invalid && !replaceable(old) {
            guard let other = l2.oldest(inSet: set, where: replaceable) else {
                evict(line)
                return false
            }
            index = other
            old = l2.line(at: index)
        }
        if old != TagStore.invalid {
            let i1 = l1.find(old)
            if i1 >= 0 { l1.invalidate(i1) }
        }
        l2.install(line, at: index, dirty: false, readyAt: now)
        if old != TagStore.invalid { evict(old) }
        return true
    }
}
