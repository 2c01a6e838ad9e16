import Testing
import KonaEngine
@testable import KonaHardware

@Suite struct PendingMissesTests {
    /// Takes the ready misses oldest first; each that `start` refuses waits on its set.
    static func retry(_ misses: inout PendingMisses, _ cache: FrameCache, start: (UInt64) -> Bool) -> [UInt64] {
        var taken: [UInt64] = []
        misses.readyOpened(in: cache)
        while let (slot, miss) = misses.takeOldestReady() {
            taken.append(miss.block)
            if start(miss.block) {
                misses.remove(slot)
            } else {
                misses.wait(slot, onSet: cache.awaitOpening(ofSetOf: miss.block))
            }
        }
        return taken
    }

    /// New misses are ready; a miss that failed is taken again only once its set has opened,
    /// and the ready misses are taken in arrival order, whatever set they wait on.
    @Test func aFailedMissIsRetriedOnlyOnceItsSetOpensAndInArrivalOrder() {
        let cache = FrameCache(sets: 2, ways: 1, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "f"))
        let f0 = cache.allocate(0)!, f1 = cache.allocate(1)!
        var misses = PendingMisses()
        for block: UInt64 in [2, 3, 4] { misses.append(block: block, line: block << 6) }
        #expect(Self.retry(&misses, cache) { cache.allocate($0) != nil } == [2, 3, 4] && misses.count == 3)
        #expect(Self.retry(&misses, cache) { _ in true }.isEmpty, "no set opened")
        misses.append(block: 5, line: 5 << 6)                  // set 1, after the others
        cache.markResident(f0)                                  // set 0 opens
        #expect(Self.retry(&misses, cache) { $0 == 2 } == [2, 4, 5] && misses.count == 3, "3 and 5 wait on set 1, 4 on set 0")
        cache.free(f1)                                          // set 1 opens
        misses.append(block: 7, line: 7 << 6)
        #expect(Self.retry(&misses, cache) { _ in true } == [3, 5, 7] && misses.count == 1)
        cache.noteFreed(f0)                                     // set 0 opens
        #expect(Self.retry(&misses, cache) { _ in true } == [4] && misses.isEmpty)
    }

    /// A retry cut short (the caller stops taking) leaves the rest ready, in order, for the next.
    @Test func readyMissesLeftByACutComeFirstNextTime() {
        let cache = FrameCache(sets: 4, ways: 1, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "f"))
        var misses = PendingMisses()
        for block: UInt64 in [8, 9, 10, 11] { misses.append(block: block, line: 0) }
        let first = misses.takeOldestReady()!
        #expect(first.miss.block == 8)
        misses.remove(first.slot)
        misses.append(block: 12, line: 0)                       // takes the freed slot, arrives last
        #expect(Self.retry(&misses, cache) { _ in true } == [9, 10, 11, 12] && misses.isEmpty)
    }
}
