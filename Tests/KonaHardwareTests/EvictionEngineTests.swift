import Testing
import KonaEngine
@testable import KonaHardware
import KonaProtocol

/// The eviction engine with as little of a home agent around it as it needs: an FMem of two
/// frames of 4 KiB blocks (64 lines), a 60 ns DRAM, the network of the FPGA tests (1 us,
/// 64 Gbit/s, 64 B headers, 4 KiB packets, 16 B per scatter-gather entry) and a directory
/// (the FPGA's home table) whose snoops the test answers itself. The bench does what the
/// owner of an engine does: it reports the directory's transitions, marks the lines a recall
/// hands back dirty, writes a frame back once its last line is recalled, and frees the frame
/// when the engine says its last write is acknowledged.
final class EvictionBench: RemoteNetworkClient, CoherenceNetwork, LineValueStore {
    let simulator: Simulator
    let stats = StatsRegistry()
    let fmem: FrameCache
    let dram: MainMemory
    let network: RemoteNetwork
    let engine: EvictionEngine
    private(set) var controller: DirectoryController!
    /// Messages the directory sent, each with the network writes the engine had issued by then.
    private(set) var sent: [(message: CoherenceMessage, writesBefore: UInt64)] = []
    /// When each frame's write-back was started, and when the frame was freed.
    private(set) var writtenBack: [Int: Tick] = [:]
    private(set) var freed: [Int: Tick] = [:]
    /// Frames whose last line was recalled during the message being handled.
    private var recalledFrames: [Int] = []
    private var failure: ProtocolViolation?

    init(writeback: EvictionEngine.Writeback = .dirtyLines, sgEntries: Int = 16) {
        let simulator = Simulator()
        self.simulator = simulator
        fmem = FrameCache(sets: 1, ways: 2, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "f"))
        dram = MainMemory(path: "fpga.fmem", latency: 60_000, bitsPerSecond: 0, stats: stats, simulatedTime: { 0 })
        network = RemoteNetwork(path: "net", latency: 1_000_000, bitsPerSecond: 64_000_000_000, headerBytes: 64, mtu: 4096,
                                sgEntryBytes: 16, maxOutstanding: 8, nodes: 1, nodeLatency: 100_000,
                                nodeBitsPerSecond: 512_000_000_000, simulator: simulator, stats: stats,
                                simulatedTime: { simulator.now })
        engine = EvictionEngine(path: "fpga", frames: fmem, dram: dram, network: network,
                                parameters: EvictionEngine.Parameters(highWatermark: 1, lowWatermark: 1, coldestVictim: false,
                                                                      scan: 8, writeback: writeback, batchBytes: 4096,
                                                                      sgEntries: sgEntries),
                                stats: stats)
        network.client = self
        controller = DirectoryController(index: 1, table: HomeProtocol.fpgaTable(ProtocolVariant()), network: self)
        controller.values = self
        controller.onTransition = { [unowned self] line, before, _, after in
            _ = self.engine.directoryChanged(line, from: before, to: after)
        }
        controller.onMemoryAccess = { [unowned self] line, isWrite in
            if isWrite, let f = self.fmem.frame(of: line >> 6) { self.fmem.setDirty(f, line: Int(line & 63)) }
        }
        controller.onRecalled = { [unowned self] line in
            let f = self.fmem.frame(of: line >> 6)!
            if self.engine.recalled(f) { self.recalledFrames.append(f) }
        }
    }

    /// Gives `block` a frame holding its data (zeros: remote memory was never written).
    func resident(_ block: UInt64) -> Int {
        let f = fmem.allocate(block)!
        engine.beginFetch(f)
        fmem.markResident(f)
        return f
    }

    /// A line whose new value came home from a socket (its dirty bit is set).
    func written(_ line: UInt64, _ value: UInt64) {
        fmem.setValue(value, ofLine: line)
        fmem.setDirty(fmem.frame(of: line >> 6)!, line: Int(line & 63))
    }

    /// Socket `s` reads `line` (`own`: for writing) and acknowledges the grant.
    func grant(_ line: UInt64, to s: Int, own: Bool) throws {
        try respond(own ? .RdOwn : .RdShared, line: line, from: s)
        try respond(.CmpAck, line: line, from: s)
    }

    /// Socket `s` sends `kind` for `line` to the directory now; a frame whose last line this
    /// brought home is then written back.
    func respond(_ kind: MessageKind, line: UInt64, from s: Int, data: UInt64 = 0) throws {
        try controller.receive(CoherenceMessage(kind, line: line, from: .llc(s), to: .home(1), data: data))
        let due = recalledFrames
        recalledFrames = []
        for f in due { writeBack(f) }
    }

    /// Starts evicting frame `f` now: recalls the lines the sockets hold, or writes the frame
    /// back at once if they hold none.
    func evict(_ f: Int) throws {
        engine.begin(f, at: simulator.now)
        let recalling = engine.recallLines(f, firstLine: fmem.block(in: f) << 6, through: controller, failure: &failure)
        if let failure { throw failure }
        if !recalling { writeBack(f) }
    }

    private func writeBack(_ f: Int) {
        writtenBack[f] = simulator.now
        if !engine.writeBack(f, node: 0, firstLine: fmem.block(in: f) << 6, at: simulator.now) { free(f) }
    }

    private func free(_ f: Int) {
        engine.finish(f, at: simulator.now)
        freed[f] = simulator.now
    }

    func run() throws { try simulator.run() }
    /// The snoops the directory sent.
    var snoops: [(message: CoherenceMessage, writesBefore: UInt64)] { sent.filter { $0.message.kind == .SnpInv } }

    // MARK: Collaborators' ends

    func send(_ message: CoherenceMessage) { sent.append((message, network.writes)) }
    func value(of line: UInt64) -> UInt64 { fmem.value(ofLine: line) ?? 0 }
    func store(_ value: UInt64, to line: UInt64) { fmem.setValue(value, ofLine: line) }
    func readPacket(_ tag: UInt64, bytes: UInt64, arrivesAt time: Tick) {}
    func readCriticalArrived(_ tag: UInt64) throws(SimulationError) {}
    func readCompleted(_ tag: UInt64) throws(SimulationError) {}
    func writeCompleted(_ tag: UInt64) throws(SimulationError) {
        if engine.writeCompleted(Int(tag)) { free(Int(tag)) }
    }
}

@Suite struct EvictionEngineTests {
    @Test func onlyTheDirtyLinesAreSent() throws {
        // Four dirty lines in two runs (offsets 0-2 and 10): one write of 4 x 64 B of data
        // and 2 x 16 B of descriptors in one packet with a 64 B header = 352 B.
        let b = EvictionBench()
        let f = b.resident(0)
        for (line, value) in [(0, 10), (1, 11), (2, 12), (10, 20)] as [(UInt64, UInt64)] { b.written(line, value) }
        try b.evict(f)
        try b.run()
        #expect(b.engine.linesWrittenBack == 4 && b.engine.dirtyLinesWrittenBack == 4,
                "\(b.engine.linesWrittenBack) lines written back, \(b.engine.dirtyLinesWrittenBack) dirty")
        #expect(b.network.writes == 1 && b.engine.evictionBytes == 352 && b.network.bytesWritten == 352,
                "\(b.network.writes) writes, \(b.engine.evictionBytes) B")
        #expect(b.dram.reads == 4, "each line sent is read out of the DRAM once: \(b.dram.reads) reads")
        #expect(b.engine.remoteValue(ofLine: 10) == 20 && b.engine.remoteValue(ofLine: 2) == 12)
        #expect(b.engine.remoteValue(ofLine: 5) == 0, "a clean line is not sent")
        #expect(b.snoops.isEmpty, "no socket held a line: nothing to recall")
        // The frame is free once the write is acknowledged, and a refetch sees the values sent.
        #expect(b.engine.evictions == 1 && b.freed[f]! > b.writtenBack[f]! && b.fmem.states[f] == .free)
        #expect(b.engine.latency.count == 1 && b.engine.evicting == 0)
        let again = b.resident(0)
        #expect(b.fmem.value(ofLine: 10) == 20 && b.fmem.value(ofLine: 3) == 0 && !b.fmem.isDirty(again, line: 10))
    }

    @Test(arguments: [EvictionEngine.Writeback.dirtyLines, .wholeBlockIfDirty])
    func aBlockWithNoDirtyLineSendsNothing(_ writeback: EvictionEngine.Writeback) throws {
        let b = EvictionBench(writeback: writeback)
        let f = b.resident(0)
        b.fmem.setValue(7, ofLine: 4)               // a value, but the line is clean
        try b.evict(f)
        #expect(b.freed[f] == 0, "nothing to write: the frame is free at once")
        try b.run()
        #expect(b.network.writes == 0 && b.engine.evictionBytes == 0 && b.engine.linesWrittenBack == 0)
        #expect(b.dram.reads == 0 && b.engine.evictions == 1 && b.engine.remoteValue(ofLine: 4) == 0)
    }

    @Test func theLinesTheSocketsHoldAreRecalledBeforeTheWriteBack() throws {
        // Socket 0 owns line 3, socket 1 line 5 (grant E); line 9 came home dirty earlier.
        let b = EvictionBench()
        let f = b.resident(0)
        try b.grant(3, to: 0, own: true)
        try b.grant(5, to: 1, own: false)
        b.written(9, 90)
        try b.evict(f)
        let snoops = b.snoops
        #expect(snoops.count == 2 && snoops.allSatisfy { $0.writesBefore == 0 }, "back-invalidation first")
        #expect(snoops.contains { $0.message.line == 3 && $0.message.destination == .llc(0) }
                && snoops.contains { $0.message.line == 5 && $0.message.destination == .llc(1) })
        #expect(b.writtenBack[f] == nil && b.network.writes == 0)
        try b.respond(.RspIWb, line: 3, from: 0, data: 77)       // the owner wrote 77
        #expect(b.writtenBack[f] == nil && b.network.writes == 0, "one line is still held")
        try b.respond(.RspI, line: 5, from: 1)
        #expect(b.writtenBack[f] != nil && b.network.writes == 1, "the last line home starts the write-back")
        try b.run()
        #expect(b.engine.remoteValue(ofLine: 3) == 77 && b.engine.remoteValue(ofLine: 9) == 90)
        #expect(b.engine.dirtyLinesWrittenBack == 2, "line 3 (handed over by the recall) and line 9")
        #expect(b.controller.state(3) == .I && b.controller.state(5) == .I && b.engine.evictions == 1)
    }

    @Test func aLineInATransactionKeepsItsFrameBusy() throws {
        let b = EvictionBench()
        let f = b.resident(0)
        try b.respond(.RdOwn, line: 3, from: 0)                   // granted, CmpAck not yet back
        #expect(b.engine.isBusy(f))
        try b.respond(.CmpAck, line: 3, from: 0)
        #expect(!b.engine.isBusy(f))
    }

    @Test(arguments: [(EvictionEngine.Writeback.wholeBlock, [UInt64]()), (.wholeBlock, [0]), (.wholeBlockIfDirty, [0])])
    func theFullBlockVariantSendsTheWholeBlock(_ writeback: EvictionEngine.Writeback, dirty: [UInt64]) throws {
        // 64 lines in one entry: 4096 + 16 B in two packets (MTU 4 KiB) with 64 B headers = 4240 B.
        let b = EvictionBench(writeback: writeback)
        let f = b.resident(0)
        for line in dirty { b.written(line, 10) }
        try b.evict(f)
        try b.run()
        #expect(b.engine.linesWrittenBack == 64 && b.engine.dirtyLinesWrittenBack == UInt64(dirty.count))
        #expect(b.engine.evictionBytes == 4240 && b.network.writes == 1 && b.dram.reads == 64,
                "\(b.engine.evictionBytes) B in \(b.network.writes) writes, \(b.dram.reads) DRAM reads")
        #expect(b.engine.remoteValue(ofLine: 0) == (dirty.isEmpty ? 0 : 10) && b.engine.evictions == 1)
    }

    @Test func aWriteHoldsAtMostSgEntriesRuns() throws {
        // Three single-line runs (offsets 0, 2, 4) with two entries per write: 2 x 64 + 2 x 16
        // + 64 = 224 B, then 64 + 16 + 64 = 144 B. The frame is free after both acks.
        let b = EvictionBench(sgEntries: 2)
        let f = b.resident(0)
        for line: UInt64 in [0, 2, 4] { b.written(line, line + 1) }
        try b.evict(f)
        #expect(b.network.writes == 2 && b.engine.evictionBytes == 368, "\(b.network.writes) writes, \(b.engine.evictionBytes) B")
        try b.run()
        #expect(b.engine.evictions == 1 && b.freed[f] != nil && b.engine.remoteValue(ofLine: 4) == 5)
    }
}
