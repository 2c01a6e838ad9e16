import Testing
import KonaEngine
@testable import KonaHardware

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
}
