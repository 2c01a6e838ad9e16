import Testing
import KonaEngine
@testable import KonaHardware

@Suite struct FrameCacheTests {
    /// A cache the size of a 64 GiB FMem of 4 KiB blocks, 8 ways.
    static func large() -> FrameCache {
        FrameCache(sets: 1 << 21, ways: 8, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "f"))
    }

    @Test func framesAreNumberedAtFirstUseOnly() {
        let cache = Self.large()
        var grown = 0
        cache.observeNumbering { grown += 1 }
        #expect(cache.numberedFrames == 0 && cache.frames == 1 << 24)
        let a = cache.allocate(5)!, b = cache.allocate(5 + (1 << 21))!, c = cache.allocate(77)!
        #expect([a, b, c] == [0, 1, 2] && cache.numberedFrames == 3 && grown == 3)
        cache.free(a)
        #expect(cache.allocate(5 + (2 << 21)) == a, "a freed way is taken again, under its own number")
        #expect(cache.numberedFrames == 3 && grown == 3 && cache.allocated == 3)
        #expect(cache.frame(of: 5) == nil && cache.frame(of: 5 + (2 << 21)) == a && cache.block(in: b) == 5 + (1 << 21))
    }

    @Test func aSetFillsItsLowestFreeWayAndThenRefuses() {
        let cache = FrameCache(sets: 2, ways: 3, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "f"))
        let frames = [0, 2, 4].map { cache.allocate(UInt64($0))! }      // set 0
        #expect(cache.allocate(6) == nil && cache.allocate(1) == 3, "set 0 is full; set 1 numbers its first way")
        cache.free(frames[1])
        #expect(cache.allocate(8) == frames[1])
        for f in frames { cache.markResident(f) }
        #expect(cache.victim(forSetOf: 10) { _ in true } == frames[0], "least recently used: the first allocated")
    }

    @Test func aSetIsEvictingWhileOneOfItsFramesIs() {
        let cache = FrameCache(sets: 4, ways: 2, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "f"))
        let f = cache.allocate(1)!, g = cache.allocate(5)!
        cache.markResident(f)
        cache.markResident(g)
        #expect(!cache.isEvicting(setOf: 9) && !cache.isEvicting(setOf: 2))
        cache.markEvicting(f)
        cache.markEvicting(g)
        #expect(cache.isEvicting(setOf: 9) && !cache.isEvicting(setOf: 2))
        cache.free(f)
        #expect(cache.isEvicting(setOf: 9), "g still is")
        cache.markResident(g)                                   // its eviction called off
        #expect(!cache.isEvicting(setOf: 9))
    }

    /// The ordinals of the awaited sets that opened since the last call.
    static func opened(_ cache: FrameCache) -> [Int] {
        var sets: [Int] = []
        cache.takeOpenedSets { sets.append($0) }
        return sets
    }

    /// An awaited set is listed, once, when one of its frames becomes free or resident or
    /// stops being busy (what can let a failed allocation or eviction there succeed), and
    /// only then; a set not awaited is never listed.
    @Test func anAwaitedSetIsListedOnceWhenAFrameOpensUp() {
        let cache = FrameCache(sets: 2, ways: 2, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "f"))
        let f = cache.allocate(0)!, g = cache.allocate(2)!
        #expect(cache.allocate(4) == nil && cache.awaitOpening(ofSetOf: 4) == 0)
        #expect(cache.allocate(4) == nil && Self.opened(cache).isEmpty, "allocating and refusing open nothing")
        cache.markResident(f)
        #expect(Self.opened(cache) == [0])
        cache.markResident(g)
        #expect(Self.opened(cache).isEmpty, "no longer awaited")
        #expect(cache.awaitOpening(ofSetOf: 0) == 0)
        cache.markEvicting(f)
        #expect(Self.opened(cache).isEmpty, "an eviction starting opens nothing")
        cache.noteFreed(g)
        cache.free(f)
        #expect(Self.opened(cache) == [0], "listed once")
        let h = cache.allocate(1)!
        #expect(cache.awaitOpening(ofSetOf: 3) == 1 && cache.awaitOpening(ofSetOf: 2) == 0)
        cache.markResident(h)
        cache.noteFreed(g)
        #expect(Self.opened(cache) == [1, 0], "in the order they opened")
    }

    @Test func valuesTakeWordsOnlyOnceOneIsNotZero() {
        let cache = Self.large()
        let f = cache.allocate(3)!
        cache.setValue(0, ofLine: 3 << 6 | 7)
        #expect(cache.value(ofLine: 3 << 6 | 7) == 0 && cache.value(ofLine: 4 << 6) == nil)
        cache.setValue(42, ofLine: 3 << 6 | 7)
        #expect(cache.value(f, line: 7) == 42 && cache.value(f, line: 8) == 0)
        cache.loadValues(f, from: nil)
        #expect(cache.value(f, line: 7) == 0)
        cache.loadValues(f, from: (0..<64).map { UInt64($0) })
        #expect(cache.value(f, line: 63) == 63)
    }

    /// An LRU choice is the least recently used eligible frame, and asks eligibility only of
    /// a frame less recently used than the choice so far.
    @Test func anLRUChoiceAsksEligibilityOnlyOfFramesThatWouldBeChosen() {
        let cache = FrameCache(sets: 1, ways: 4, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "f"))
        let frames = (0..<4).map { cache.allocate(UInt64($0))! }   // used in order: frame 0 least recently
        for f in frames { cache.markResident(f) }
        cache.touch(frames[0])                                  // now frame 1 is, then 2, 3, 0
        var asked: [Int] = []
        #expect(cache.victim(forSetOf: 0) { asked.append($0); return $0 != frames[1] } == frames[2])
        #expect(asked == [frames[0], frames[1], frames[2]], "frame 3 is more recent than frame 2")
        asked = []
        #expect(cache.backgroundVictim(scan: 4, coldest: false) { asked.append($0); return true } == frames[1])
        #expect(asked == [frames[0], frames[1]])
    }

    @Test func backgroundVictimsFollowTheWaysFromTheHand() {
        let cache = FrameCache(sets: 4, ways: 2, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "f"))
        // Ways in place order: set 0 {0, 1}, set 1 {2, 3}, ... Number frames out of place order.
        let inSet3 = cache.allocate(3)!, inSet0 = cache.allocate(0)!
        cache.markResident(inSet3)
        cache.markResident(inSet0)
        #expect(cache.backgroundVictim(scan: 4, coldest: false) { _ in true } == inSet0, "places 0-3: sets 0 and 1")
        #expect(cache.backgroundVictim(scan: 4, coldest: false) { _ in true } == inSet3, "places 4-7: sets 2 and 3")
        #expect(cache.backgroundVictim(scan: 2, coldest: false) { _ in false } == nil)
    }

    /// A set's record holds its first way's frame until a second way is used, then moves to
    /// room for every way: the set's evicting count, openings, CLOCK hand and frames move
    /// with it, and the set used after it keeps its own.
    @Test func aSetsRecordGrowsAtItsSecondWayAndKeepsItsState() {
        let cache = FrameCache(sets: 4, ways: 3, linesPerBlock: 64, policy: .clock, random: RandomStream(seed: 1, path: "f"))
        let a = cache.allocate(0)!, other = cache.allocate(1)!
        cache.markResident(a)
        cache.markResident(other)
        cache.markEvicting(a)
        #expect(cache.isEvicting(setOf: 4) && cache.awaitOpening(ofSetOf: 4) == 0)
        let b = cache.allocate(4)!                              // set 0's second way: its record grows
        #expect(cache.isEvicting(setOf: 8) && Self.opened(cache).isEmpty, "carried over")
        cache.markResident(a)                                   // its eviction called off
        cache.markResident(b)
        #expect(!cache.isEvicting(setOf: 8) && Self.opened(cache) == [0])
        #expect(cache.frame(of: 0) == a && cache.frame(of: 4) == b && cache.frame(of: 1) == other)
        // CLOCK from way 0: a and b referenced lose their bits; then a is the victim.
        #expect(cache.victim(forSetOf: 8) { _ in true } == a)
        let c = cache.allocate(8)!
        cache.markResident(c)
        #expect(cache.allocate(12) == nil, "three ways, all taken")
        #expect(cache.victim(forSetOf: 12) { $0 != c } == b, "the hand moved past a; b's bit was cleared")
        #expect(cache.victim(forSetOf: 5) { _ in true } == other && cache.awaitOpening(ofSetOf: 5) == 1, "set 1 untouched")
        #expect(Self.opened(cache).isEmpty)
    }
}
