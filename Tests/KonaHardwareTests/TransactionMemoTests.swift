import Testing
import KonaEngine
import KonaProtocol
@testable import KonaHardware

/// The transaction memo against the message path: the same random access streams applied to
/// two functional systems, one with the memo and one without, leave the same state (every
/// line record, tag array and FMem frame) and the same counts and message totals.
@Suite struct TransactionMemoTests {
    /// A one-socket system of `cores` cores with small caches (replacements everywhere); with
    /// `remote`, three lines in four are homed by an FPGA whose FMem holds 8 blocks of 4 KiB.
    func system(cores: Int, variant: ProtocolVariant, remote: Bool, dirtyOnGrant: Bool = false,
                wholeBlock: Bool = false) -> FunctionalSystem {
        let parameters = FunctionalSystem.Parameters(sockets: 1, coresPerSocket: cores, l1: (2, 2), l2: (4, 2), llc: (8, 4),
                                                     llcWritebackBuffer: 2, interleave: 4096, variant: variant, seed: 7)
        guard remote else { return FunctionalSystem(parameters, remote: nil, placement: nil) }
        let fmem = FunctionalSystem.RemoteParameters(
            sets: 4, ways: 2, blockSize: 4096, policy: .lru, dirtyOnGrant: dirtyOnGrant, wholeBlock: wholeBlock,
            criticalFirst: true, batchBytes: 1024, sgEntries: 4, sgEntryBytes: 16, headerBytes: 64, mtu: 1500,
            highWatermark: 0.8, lowWatermark: 0.6, coldestVictim: true, scan: 4)
        return FunctionalSystem(parameters, remote: fmem,
                                placement: RemotePlacement(base: 0, size: 1 << 20, fraction: 0.75, pageSize: 4096, seed: 7))
    }

    /// Everything the system holds, as text: the controllers' records, the tag arrays (line,
    /// dirty bit, and each set's next victim), FMem's frames.
    func snapshot(_ s: FunctionalSystem) -> [String] {
        func tags(_ t: TagStore) -> String {
            (0..<(t.sets * t.ways)).map { "\(t.line(at: $0))\(t.isDirty($0) ? "d" : "")" }.joined(separator: ",")
                + " victims " + (0..<t.sets).map { "\(t.victim(inSet: $0))" }.joined(separator: ",")
        }
        var out: [String] = []
        for c in s.complexes {
            out.append(c.controller.lines.sortedKeys.map { "\($0):\(c.controller.state($0))" }.joined(separator: " "))
            out.append(tags(c.l1))
            out.append(tags(c.l2))
        }
        for l in s.llcs {
            out.append(l.controller.lines.sortedKeys.map { key in
                let r = l.controller.lines[key]!
                return "\(key):\(r.state) \(r.sharers) \(r.owner ?? -1) \(r.requester) \(r.acks)"
            }.joined(separator: " "))
            out.append(tags(l.tags))
        }
        for h in s.homes {
            out.append(h.controller.lines.sortedKeys.map { key in
                let r = h.controller.lines[key]!
                return "\(key):\(r.state) \(r.sharers) \(r.owner ?? -1) \(r.requester) \(r.responses)"
            }.joined(separator: " "))
        }
        if let frames = s.remote?.frames {
            out.append((0..<frames.numberedFrames).map { "\(frames.block(in: $0)):\(frames.states[$0])" }.joined(separator: " "))
        }
        return out
    }

    /// Applies `count` random accesses of `cores` cores to both systems: half to 48 hot lines
    /// (shared between the cores), half over 4,096 lines (64 blocks: FMem evicts and recalls).
    func compare(cores: Int, variant: ProtocolVariant, remote: Bool, dirtyOnGrant: Bool = false, wholeBlock: Bool = false,
                 seed: UInt64, count: Int = 40_000) throws {
        let memoized = system(cores: cores, variant: variant, remote: remote, dirtyOnGrant: dirtyOnGrant, wholeBlock: wholeBlock)
        let plain = system(cores: cores, variant: variant, remote: remote, dirtyOnGrant: dirtyOnGrant, wholeBlock: wholeBlock)
        plain.transactionMemo!.enabled = false
        var random = RandomStream(seed: seed, path: "memo-test")
        for i in 0..<count {
            let core = Int(random.next(below: UInt64(cores)))
            let line = random.next(below: 2) == 0 ? random.next(below: 48) * 3 : random.next(below: 4096)
            let isStore = random.next(below: 10) < 3
            try memoized.access(core: core, line: line, isStore: isStore)
            try plain.access(core: core, line: line, isStore: isStore)
            if i % 5_000 == 4_999 { #expect(snapshot(memoized) == snapshot(plain), "state after \(i + 1) accesses") }
        }
        #expect(memoized.counts.map { "\($0.name)=\($0.value)" } == plain.counts.map { "\($0.name)=\($0.value)" })
        #expect(memoized.messages == plain.messages)
        #expect(snapshot(memoized) == snapshot(plain))
        let memo = memoized.transactionMemo!
        #expect(memo.applied > UInt64(count) / 20, "the memo applied \(memo.applied) of \(count) accesses")
        #expect(plain.transactionMemo!.applied == 0)
    }

    @Test(arguments: [1, 4])
    func aCPUHomeGivesTheSameStateAndCounts(cores: Int) throws {
        try compare(cores: cores, variant: ProtocolVariant(), remote: false, seed: 1)
    }

    @Test(arguments: [1, 2, 4])
    func theFPGAHomeGivesTheSameStateAndCounts(cores: Int) throws {
        try compare(cores: cores, variant: ProtocolVariant(), remote: true, seed: 2)
    }

    @Test func sharedGrantsAndSilentCleanEvictionsGiveTheSame() throws {
        try compare(cores: 4, variant: ProtocolVariant(grantExclusive: false, silentCleanEviction: true), remote: true,
                    seed: 3)
        try compare(cores: 3, variant: ProtocolVariant(grantExclusive: false), remote: false, seed: 4)
    }

    @Test func dirtyOnGrantAndWholeBlockWritebackGiveTheSame() throws {
        try compare(cores: 4, variant: ProtocolVariant(), remote: true, dirtyOnGrant: true, wholeBlock: true, seed: 5)
    }

    @Test func aFullLLCSetReplacesItsLeastRecentlyUsedLineAsAStepOfItsOwn() throws {
        let s = system(cores: 1, variant: ProtocolVariant(), remote: false)
        // LLC set 0 has 4 ways: lines 0, 8, 16, 24 fill it; line 32 replaces line 0 first.
        for line: UInt64 in [0, 8, 16, 24] { try s.access(core: 0, line: line, isStore: false) }
        let before = s.transactionMemo!.applied
        try s.access(core: 0, line: 32, isStore: false)
        #expect(s.transactionMemo!.applied - before == 3, "the replacement, the request, the L2's eviction of line 16")
        #expect(s.counts.first { $0.name == "llc0.replacements" }?.value == 1)
        #expect(s.llcs[0].controller.state(0) == .I && s.llcs[0].controller.state(32) != .I)
    }

    @Test func withoutAWritebackBufferAReplacementTakesTheMessagePath() throws {
        let parameters = FunctionalSystem.Parameters(sockets: 1, coresPerSocket: 1, l1: (2, 2), l2: (4, 2), llc: (8, 4),
                                                     llcWritebackBuffer: 0, interleave: 4096, variant: ProtocolVariant(), seed: 7)
        let memoized = FunctionalSystem(parameters, remote: nil, placement: nil)
        let plain = FunctionalSystem(parameters, remote: nil, placement: nil)
        plain.transactionMemo!.enabled = false
        for line: UInt64 in [0, 8, 16, 24] {
            try memoized.access(core: 0, line: line, isStore: true)
            try plain.access(core: 0, line: line, isStore: true)
        }
        let before = memoized.transactionMemo!.applied
        for line: UInt64 in [32, 40, 0] {
            try memoized.access(core: 0, line: line, isStore: true)
            try plain.access(core: 0, line: line, isStore: true)
        }
        #expect(memoized.transactionMemo!.applied - before <= 3, "at most the L2's evictions are steps, not the requests")
        #expect(memoized.counts.map { "\($0.name)=\($0.value)" } == plain.counts.map { "\($0.name)=\($0.value)" })
        #expect(snapshot(memoized) == snapshot(plain))
    }

    @Test func twoSocketsHaveNoMemoAndTakeTheMessagePath() throws {
        let s = FunctionalSystem(.init(sockets: 2, coresPerSocket: 2, l1: (2, 2), l2: (4, 2), llc: (8, 4), llcWritebackBuffer: 2,
                                       interleave: 4096, variant: ProtocolVariant(), seed: 7),
                                 remote: nil, placement: nil)
        #expect(s.transactionMemo == nil)
        try s.access(core: 0, line: 5, isStore: true)
        try s.access(core: 3, line: 5, isStore: false)
        #expect(s.messages > 0 && s.counts.first { $0.name == "llc1.misses" }?.value == 1)
    }
}
