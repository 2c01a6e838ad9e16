import Testing
@testable import KonaEngine
@testable import KonaHardware

@Suite struct TagStoreTests {
    func run(_ policy: ReplacementPolicy, _ lines: [UInt64], ways: Int = 2) -> (hits: Int, misses: Int, store: TagStore) {
        let tags = TagStore(sets: 1, ways: ways, policy: policy, random: RandomStream(rawSeed: 1))
        var hits = 0, misses = 0
        for line in lines {
            let i = tags.find(line)
            if i >= 0 { hits += 1; tags.touch(i) } else {
                misses += 1
                tags.install(line, at: tags.victim(inSet: 0), dirty: false, readyAt: 0)
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
        let linesA = (0..<4).map { a.store.line(at: $0) }, linesB = (0..<4).map { b.store.line(at: $0) }
        #expect(a.hits == b.hits && linesA == linesB)
        #expect(a.misses > 5 && a.hits > 0)
        let lru = run(.lru, trace, ways: 4)
        #expect(a.hits != lru.hits || linesA != (0..<4).map { lru.store.line(at: $0) })
    }

    @Test func invalidWaysAreFilledFirst() {
        let tags = TagStore(sets: 2, ways: 4, policy: .lru, random: RandomStream(rawSeed: 1))
        #expect(tags.victim(inSet: 1) == 4)
        tags.install(9, at: 4, dirty: true, readyAt: 0)
        #expect(tags.victim(inSet: 1) == 5)
        #expect(tags.find(9) == 4 && tags.isDirty(4) && tags.find(8) == -1)
        #expect(tags.set(of: 9) == 1)
    }
}

@Suite struct MSHRFileTests {
    @Test func entriesAreBusyUntilTheirFillArrives() {
        let m = MSHRFile(capacity: 2)
        #expect(m.firstFree(atOrAfter: 0) == (0, 0))
        m.hold(0, until: 100)
        #expect(m.firstFree(atOrAfter: 10) == (1, 10))
        m.hold(1, until: 70)
        #expect(m.firstFree(atOrAfter: 10) == (1, 70), "waits for the earliest release")
        #expect(m.occupied(at: 50) == 2 && m.occupied(at: 80) == 1 && m.occupied(at: 100) == 0)
        #expect(m.firstFree(atOrAfter: 100) == (0, 100))
    }
}

@Suite struct CompletionHeapTests {
    @Test func popsInTimeOrderAndRetires() {
        var h = CompletionHeap(capacity: 8)
        defer { h.deallocate() }
        for t: Tick in [50, 10, 40, 10, 30] { h.push(t) }
        #expect(h.earliest == 10 && h.latest == 50 && h.count == 5)
        #expect(h.popEarliest() == 10 && h.popEarliest() == 10 && h.popEarliest() == 30)
        h.retire(upTo: 45)
        #expect(h.count == 1 && h.earliest == 50)
        h.retire(upTo: 50)
        #expect(h.count == 0 && h.earliest == Tick.max)
    }
}
