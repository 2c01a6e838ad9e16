import Testing
@testable import KonaEngine
@testable import KonaHardware

@Suite struct TagStoreTests {
    func run(_ policy: ReplacementPolicy, _ lines: [UInt64], ways: Int = 2) -> (hits: Int, misses: Int, store: TagStore) {
        var tags = TagStore(sets: 1, ways: ways, policy: policy, random: RandomStream(rawSeed: 1))
        var hits = 0, misses = 0
        for line in lines {
            if let i = tags.find(line) { hits += 1; tags.touch(i) } else {
                misses += 1
                tags.install(line, at: tags.victim(inSet: 0), dirty: false, pendingMSHR: -1)
            }
            tags.checkInvariants()
        }
        return (hits, misses, tags)
    }

    @Test func lruEvictsTheLeastRecentlyUsed() {
        // A B A C B: C evicts B (A was used more recently), so B misses again.
        let r = run(.lru, [1, 2, 1, 3, 2])
        #expect(r.hits == 1 && r.misses == 4)
    }

    @Test func fifoEvictsTheOldestFill() {
        // A B A C B: C evicts A (filled first) although A was just used; B hits.
        let r = run(.fifo, [1, 2, 1, 3, 2])
        #expect(r.hits == 2 && r.misses == 3)
    }

    @Test func randomPicksWaysOfTheSetReproducibly() {
        let trace: [UInt64] = (0..<200).map { UInt64($0 * 7 % 5) }
        let a = run(.random, trace, ways: 4), b = run(.random, trace, ways: 4)
        #expect(a.hits == b.hits && a.store.lines == b.store.lines)
        #expect(a.misses > 5 && a.hits > 0)
        #expect(a.hits != run(.lru, trace, ways: 4).hits || a.store.lines != run(.lru, trace, ways: 4).store.lines)
    }

    @Test func invalidWaysAreFilledFirst() {
        var tags = TagStore(sets: 2, ways: 4, policy: .lru, random: RandomStream(rawSeed: 1))
        #expect(tags.victim(inSet: 1) == 4)
        tags.install(9, at: 4, dirty: true, pendingMSHR: -1)
        #expect(tags.victim(inSet: 1) == 5)
        #expect(tags.find(9) == 4 && tags.dirty[4])
        #expect(tags.set(of: 9) == 1)
    }
}

@Suite struct MSHRFileTests {
    @Test func allocatesMergesAndReleases() {
        var m = MSHRFile(capacity: 2, targetsPerEntry: 2)
        let a = m.allocate(line: 5, target: 100, at: 0)
        #expect(m.canMerge(a))
        m.merge(a, target: 101)
        #expect(!m.canMerge(a) && Array(m.targetList(a)) == [100, 101])
        let b = m.allocate(line: 6, target: 200, at: 1)
        #expect(!m.hasFree && m.occupied == 2 && a != b)
        m.release(a)
        #expect(m.hasFree && m.occupied == 1)
        #expect(m.allocate(line: 7, target: 300, at: 2) == a)
    }
}
