import Testing
import KonaEngine
import KonaProtocol
@testable import KonaHardware

@Suite struct FunctionalSystemTests {
    /// One core, one socket, a CPU home only: 2-set x 2-way L1D, 4 x 2 L2, 8 x 2 LLC.
    func system(_ variant: ProtocolVariant = ProtocolVariant()) -> FunctionalSystem {
        FunctionalSystem(.init(sockets: 1, coresPerSocket: 1, l1: (2, 2), l2: (4, 2), llc: (8, 2), llcWritebackBuffer: 4,
                               interleave: 4096, variant: variant, seed: 1),
                         remote: nil, placement: nil)
    }

    func count(_ s: FunctionalSystem, _ name: String) -> UInt64 { s.counts.first { $0.name == name }?.value ?? .max }

    @Test func aLoadMissesEverywhereThenAStoreOwnsTheExclusiveLine() throws {
        let s = system()
        try s.access(core: 0, line: 5, isStore: false)
        #expect(count(s, "cpu0.l1d.misses") == 1 && count(s, "cpu0.l2.misses") == 1)
        #expect(count(s, "llc0.requests") == 1 && count(s, "llc0.misses") == 1)
        try s.access(core: 0, line: 5, isStore: true)       // E: the store needs no message
        #expect(count(s, "cpu0.l1d.hits") == 1 && count(s, "cpu0.upgrades") == 0 && count(s, "llc0.requests") == 1)
        try s.access(core: 0, line: 5, isStore: true)       // M and dirty in the L1D: a plain hit
        #expect(count(s, "cpu0.l1d.hits") == 2)
    }

    @Test func withSharedGrantsTheStoreUpgrades() throws {
        let s = system(ProtocolVariant(grantExclusive: false))
        try s.access(core: 0, line: 5, isStore: false)
        try s.access(core: 0, line: 5, isStore: true)
        #expect(count(s, "cpu0.upgrades") == 1 && count(s, "llc0.requests") == 2)
    }

    @Test func theL2ReplacesItsLeastRecentlyUsedLine() throws {
        let s = system()
        // Lines 0, 4, 8 map to L2 set 0 (two ways): the third evicts the first.
        for line: UInt64 in [0, 4, 8] { try s.access(core: 0, line: line, isStore: true) }
        #expect(count(s, "cpu0.evictions") == 1)
        try s.access(core: 0, line: 0, isStore: false)
        #expect(count(s, "cpu0.l2.misses") == 4, "line 0 was evicted, so it misses again")
    }

    @Test func copiedTagsKeepTheirReplacementOrder() {
        let a = TagStore(sets: 1, ways: 4, policy: .lru, random: RandomStream(seed: 1, path: "a"))
        for (way, line) in [10, 11, 12, 13].enumerated() { a.install(UInt64(line), at: way, dirty: line == 12, readyAt: 0) }
        a.touch(a.find(10))
        let b = TagStore(sets: 1, ways: 4, policy: .lru, random: RandomStream(seed: 1, path: "b"))
        b.copyContents(of: a)
        #expect(b.victim(inSet: 0) == a.victim(inSet: 0) && b.line(at: b.victim(inSet: 0)) == 11)
        #expect(b.isDirty(b.find(12)) && !b.isDirty(b.find(13)))
    }

    @Test func copiedFramesKeepBlocksBitmapsAndNumbering() {
        let a = FrameCache(sets: 1, ways: 2, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "a"))
        let f = a.allocate(7)!
        a.markResident(f)
        a.setDirty(f, line: 3)
        let b = FrameCache(sets: 1, ways: 2, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "b"))
        var numbered = 0
        b.observeNumbering { numbered += 1 }
        b.copyContents(of: a)
        #expect(numbered == a.numberedFrames && b.frame(of: 7) == f && b.isDirty(f, line: 3) && b.allocated == 1)
        #expect(b.allocate(8) != nil && b.allocate(9) == nil, "one way left")
    }
}
