import Testing
import KonaEngine
@testable import KonaHardware

/// An eviction engine over one frame of 64 lines, block 5 (its first line is 320), with the
/// simulator its network runs on (kept alive by the caller).
private func engine(_ writeback: EvictionEngine.Writeback, batchBytes: UInt64, sgEntries: Int,
                    dirty: [Int]) -> (EvictionEngine, MainMemory, Int, Simulator) {
    let simulator = Simulator(), stats = StatsRegistry()
    let network = RemoteNetwork(path: "net", latency: 1_000_000, bitsPerSecond: 64_000_000_000, headerBytes: 64, mtu: 4096,
                                sgEntryBytes: 16, maxOutstanding: 8, nodes: 1, nodeLatency: 100_000,
                                nodeBitsPerSecond: 512_000_000_000, simulator: simulator, stats: stats,
                                simulatedTime: { simulator.now })
    let dram = MainMemory(path: "fmem", latency: 60_000, bitsPerSecond: 0, stats: stats, simulatedTime: { 0 })
    let frames = FrameCache(sets: 1, ways: 1, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "f"))
    let f = frames.allocate(5)!
    frames.markResident(f)
    for line in dirty { frames.setDirty(f, line: line) }
    let parameters = EvictionEngine.Parameters(highWatermark: 1, lowWatermark: 1, coldestVictim: false, scan: 1,
                                               writeback: writeback, batchBytes: batchBytes, sgEntries: sgEntries)
    return (EvictionEngine(path: "e", frames: frames, dram: dram, network: network, parameters: parameters, stats: stats), dram, f, simulator)
}

@Suite struct EvictionEnginePackingTests {
    @Test func eachWriteReadsItsOwnDirtyLines() {
        // Dirty lines 3, 10, 11, 12 in writes of at most 2 lines: 3 and 10 (two runs), then 11 and 12.
        let (e, dram, f, simulator) = engine(.dirtyLines, batchBytes: 128, sgEntries: 16, dirty: [3, 10, 11, 12])
        let writes = e.packedWrites(f)
        #expect(writes.map(\.offsets) == [[3, 10], [11, 12]] && writes.map(\.entries) == [2, 1], "\(writes)")
        #expect(e.writeBack(f, node: 0, firstLine: 320, at: 0))
        #expect(dram.reads == 4 && e.linesWrittenBack == 4 && e.dirtyLinesWrittenBack == 4)
        #expect(e.writeCompleted(f) == false && e.writeCompleted(f), "two writes: the second acknowledgement is the last")
        withExtendedLifetime(simulator) {}
    }

    @Test func aWriteHoldsAtMostSgEntriesRuns() {
        let (e, _, f, _) = engine(.dirtyLines, batchBytes: 4096, sgEntries: 2, dirty: [0, 2, 4, 5])
        let writes = e.packedWrites(f)
        #expect(writes.map(\.offsets) == [[0, 2], [4, 5]] && writes.map(\.entries) == [2, 1], "\(writes)")
    }

    @Test func aDirtyPageGoesWholeAndACleanOneNot() {
        let (e, _, f, _) = engine(.wholeBlockIfDirty, batchBytes: 4096, sgEntries: 16, dirty: [7])
        let writes = e.packedWrites(f)
        #expect(writes.count == 1 && writes[0].offsets == Array(0..<64) && writes[0].entries == 1)
        let (clean, _, g, simulator) = engine(.wholeBlockIfDirty, batchBytes: 4096, sgEntries: 16, dirty: [])
        #expect(clean.packedWrites(g).isEmpty && !clean.writeBack(g, node: 0, firstLine: 320, at: 0))
        withExtendedLifetime(simulator) {}
    }

    /// A write-back decided now and issued later (the paging software path) reads its lines
    /// out of the DRAM only when issued: the DRAM sees nothing ahead of time.
    @Test func aDeferredWriteBackReadsTheDRAMWhenIssued() {
        let (e, dram, f, simulator) = engine(.dirtyLines, batchBytes: 4096, sgEntries: 16, dirty: [3, 10])
        #expect(e.decideWriteBack(f))
        #expect(dram.reads == 0 && e.isWriting(f) && e.linesWrittenBack == 2, "decided: counted, not yet read")
        e.issueWriteBack(f, node: 0, firstLine: 320, at: 5_000_000)
        #expect(dram.reads == 2, "issued: its two lines read")
        e.issueWriteBack(f, node: 0, firstLine: 320, at: 6_000_000)
        #expect(dram.reads == 2, "a second issue finds nothing decided")
        withExtendedLifetime(simulator) {}
    }
}
