import Testing
@testable import KonaEngine

@Suite struct LineMapTests {
    @Test func agreesWithADictionaryUnderRandomInsertsAndRemovals() {
        var map = LineMap<UInt64>()
        var reference: [UInt64: UInt64] = [:]
        var random = RandomStream(seed: 7, path: "linemap")
        for step in 0..<200_000 {
            // Few distinct keys, clustered, so probe runs wrap and backward shifts happen.
            let key = random.next(below: 3_000) &* (step % 3 == 0 ? 1 : 1 << 20)
            switch random.next(below: 3) {
            case 0, 1:
                let value = random.next()
                map[key] = value
                reference[key] = value
            default:
                #expect(map.removeValue(forKey: key) == reference.removeValue(forKey: key))
            }
            if step % 997 == 0 {
                #expect(map.count == reference.count)
                for (k, v) in reference { #expect(map[k] == v) }
            }
        }
        #expect(map.sortedKeys == reference.keys.sorted())
        var visited: [UInt64: UInt64] = [:]
        map.forEachInSlotOrder { key, value in #expect(visited.updateValue(value, forKey: key) == nil, "each entry once") }
        #expect(visited == reference)
        LineMap<Int>().forEachInSlotOrder { _, _ in Issue.record("an empty map has no entry") }
    }

    @Test func growsAndKeepsEveryEntry() {
        var map = LineMap<Int>()
        for i in 0..<10_000 { map[UInt64(i) << 6] = i }
        #expect(map.count == 10_000)
        #expect((0..<10_000).allSatisfy { map[UInt64($0) << 6] == $0 })
        #expect(map[1] == nil && map[42] == nil)
        map[64] = nil
        #expect(map.count == 9_999 && map[64] == nil && map[128] == 2)
    }

    /// A map that never held anything finds nothing and removes nothing; emptied with
    /// `removeAll` it finds nothing either, and takes entries again.
    @Test func emptyAndEmptiedMapsBehave() {
        var map = LineMap<Int>()
        #expect(map.isEmpty && map[0] == nil && map[12_345] == nil && map.removeValue(forKey: 7) == nil && map.sortedKeys.isEmpty)
        map.removeAll()
        map[5] = 50
        #expect(map.count == 1 && map[5] == 50)
        for i in 0..<100 { map[UInt64(i) * 64] = i }
        map.removeAll()
        #expect(map.isEmpty && map[5] == nil && map[64] == nil && map.sortedKeys.isEmpty)
        map[64] = 1
        #expect(map.count == 1 && map[64] == 1 && map[0] == nil)
    }

    /// A copy is a value: changing either (insert, overwrite, remove, remove all) leaves the
    /// other as it was, as the explorer's snapshots of controller state need.
    @Test func copiesAreIndependent() {
        var original = LineMap<Int>()
        for i in 0..<40 { original[UInt64(i)] = i }
        var copy = original
        copy[3] = 300
        copy[1_000] = 1
        copy.removeValue(forKey: 5)
        #expect(original[3] == 3 && original[1_000] == nil && original[5] == 5 && original.count == 40)
        #expect(copy[3] == 300 && copy[1_000] == 1 && copy[5] == nil && copy.count == 40)
        let snapshot = copy
        copy.removeAll()
        #expect(copy.isEmpty && snapshot.count == 40 && snapshot[3] == 300)
        original[7] = nil
        #expect(original.count == 39 && snapshot[7] == 7)
    }

    /// Values that hold references are released when removed, overwritten or dropped with
    /// the map (the slots are raw memory, initialized by hand).
    @Test func releasesValuesItNoLongerHolds() {
        final class Token {}
        weak var removed: Token?, overwritten: Token?, dropped: Token?
        do {
            var map = LineMap<Token>()
            let a = Token(), b = Token(), c = Token()
            (removed, overwritten, dropped) = (a, b, c)
            map[1] = a
            map[2] = b
            map[3] = c
            map.removeValue(forKey: 1)
            map[2] = Token()
            #expect(map.count == 2)
        }
        #expect(removed == nil && overwritten == nil && dropped == nil)
    }
}
