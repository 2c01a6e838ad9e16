import Testing
import KonaEngine
import KonaProtocol
@testable import KonaHardware

@Suite struct CXLSnoopFilterTests {
    static func filter(entries: Int, ways: Int, policy: ReplacementPolicy = .lru) -> CXLSnoopFilter {
        CXLSnoopFilter(entries: entries, ways: ways, policy: policy, random: RandomStream(seed: 1, path: "sf"))
    }

    /// An entry owned by host `h`, as the table leaves it after granting E.
    static func owned(by h: Int8) -> CXLDeviceEntry {
        var e = CXLDeviceEntry()
        e.state = .E
        e.owner = h
        return e
    }

    @Test func aLineFindsTheEntryItWasGiven() {
        let sf = Self.filter(entries: 8, ways: 2)
        guard case .installed(let i) = sf.allocate(12) else { Issue.record("no entry for line 12"); return }
        #expect(sf[i].state == .I && sf.find(12) == i && sf.find(13) == -1)
        #expect(sf.occupied == 1 && sf.allocations == 1 && sf.hits == 1)
        sf.checkInvariants()
    }

    @Test func aFullSetGivesUpItsLeastRecentlyUsedStableEntry() {
        let sf = Self.filter(entries: 8, ways: 2)           // 4 sets: lines 0, 4, 8 share set 0
        var index: [UInt64: Int] = [:]
        for line: UInt64 in [0, 4] {
            guard case .installed(let i) = sf.allocate(line) else { Issue.record("line \(line) refused"); return }
            sf[i] = Self.owned(by: 0)
            index[line] = i
        }
        _ = sf.find(0)                                        // line 4 is now the older
        #expect(sf.allocate(8) == .evict(index: index[4]!, line: 4), "LRU victim")
        sf[index[4]!].state = .B_I                            // its back-invalidation is under way
        #expect(sf.allocate(8) == .evict(index: index[0]!, line: 0), "the busy entry is passed over")
        sf[index[0]!].state = .B_I
        #expect(sf.allocate(8) == .busy, "every entry of the set is in a transaction")
        sf[index[4]!] = CXLDeviceEntry()                     // recalled: back to I
        sf.free(index[4]!)
        #expect(sf.allocate(8) == .installed(index[4]!) && sf.occupied == 2)
        sf.checkInvariants()
    }

    @Test func randomReplacementStillPassesOverBusyEntries() {
        let sf = Self.filter(entries: 2, ways: 2, policy: .random)
        for line: UInt64 in [1, 2] {
            guard case .installed(let i) = sf.allocate(line) else { Issue.record("line \(line) refused"); return }
            sf[i] = Self.owned(by: 1)
        }
        let busy = sf.find(1)
        sf[busy].state = .B_C
        for _ in 0..<20 { #expect(sf.allocate(3) == .evict(index: sf.find(2), line: 2)) }
    }
}
