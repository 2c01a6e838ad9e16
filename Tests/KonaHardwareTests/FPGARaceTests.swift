import Testing
import KonaEngine
@testable import KonaHardware
import KonaProtocol

/// The FPGA home agent between scripted sockets: a one-frame FMem of 4 KiB blocks (64 lines),
/// 1 GHz-cycle lookups of 10 ns, a 1 us network at 8 GB/s, and sockets that answer on their own
/// after 5 ns (CmpAck for grants; for snoops RspI/RspS, or as owner RspIWb/RspSWb with the value
/// it wrote, its grant's value + 100) unless a test scripts them.
final class FPGABench: Component {
    let path = "sockets"
    let simulator = Simulator()
    let stats = StatsRegistry()
    var id = ComponentID(raw: 0)
    var agent: FPGAHomeAgent!
    var interconnect: Interconnect!
    /// Messages the FPGA sent, with their arrival times.
    var received: [(time: Tick, message: CoherenceMessage)] = []
    /// Lines each socket owns (data value), from DataEx/GntE grants.
    var owned: [Int: [UInt64: UInt64]] = [:]
    private var outgoing: [CoherenceMessage] = []
    /// Overrides the automatic answer to a message (return true when handled).
    var script: ((CoherenceMessage, FPGABench) -> Bool)?

    init(frames: Int = 1, wholeBlock: Bool = false, snoopLatency: Tick = 20_000, variant: ProtocolVariant = ProtocolVariant()) {
        id = simulator.register(self)
        let timing = Channel.allCases.map { Interconnect.ChannelTiming(latency: $0 == .snoop ? snoopLatency : 20_000, bitsPerSecond: 0) }
        interconnect = Interconnect(path: "interconnect", headerBytes: 16, timing: timing, simulator: simulator, stats: stats,
                                    simulatedTime: { [unowned self] in self.simulator.now })
        let network = RemoteNetwork(path: "net", latency: 1_000_000, bitsPerSecond: 64_000_000_000, headerBytes: 64, mtu: 4096,
                                    sgEntryBytes: 16, maxOutstanding: 8, nodes: 1, nodeLatency: 100_000,
                                    nodeBitsPerSecond: 512_000_000_000, simulator: simulator, stats: stats,
                                    simulatedTime: { [unowned self] in self.simulator.now })
        let dram = MainMemory(path: "fpga.fmem", latency: 60_000, bitsPerSecond: 0, stats: stats, simulatedTime: { 0 })
        let fmem = FrameCache(sets: 1, ways: frames, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "f"))
        let parameters = FPGAHomeAgent.Parameters(pipelineLatency: 8_000, directoryLatency: 2_000,
                                                  clock: ClockDomain(hertz: 1_000_000_000), lookupsPerCycle: 1, maxOutstanding: 8, dirtyOnGrant: false, blockSize: 4096,
                                                  criticalFirst: true,
                                                  eviction: EvictionEngine.Parameters(highWatermark: 1, lowWatermark: 1, coldestVictim: false, scan: 8,
                                                                                      writeback: wholeBlock ? .wholeBlock : .dirtyLines,
                                                                                      batchBytes: 4096, sgEntries: 16),
                                                  nodes: RemoteNodeMap(nodes: 1, striped: true, partitionSize: 1 << 30, blockSize: 4096))
        let ic = interconnect!
        agent = FPGAHomeAgent(path: "fpga", index: 1, table: HomeProtocol.fpgaTable(variant), frames: fmem, dram: dram,
                              network: network, parameters: parameters, outbox: TimedOutbox(toCore: nil, toLLC: [ic, ic], toHome: []),
                              simulator: simulator, stats: stats)
        receiver = Receiver(bench: self)
        interconnect.deliver(to: receiver!)
    }

    /// Hands messages to the FPGA or to the scripted sockets.
    private final class Receiver: MessageRouter {
        unowned let bench: FPGABench
        init(bench: FPGABench) {
            self.bench = bench
            super.init(complexes: [], llcs: [], homes: [], fpga: nil)
        }
        override func deliver(_ message: CoherenceMessage) throws(ProtocolViolation) {
            if case .home = message.destination { try bench.agent.receive(message) } else { bench.arrived(message) }
        }
    }
    private var receiver: Receiver?

    /// Socket `s` sends `kind` for `line` at `time`.
    func send(_ kind: MessageKind, line: UInt64, from s: Int, at time: Tick, data: UInt64 = 0) {
        outgoing.append(CoherenceMessage(kind, line: line, from: .llc(s), to: .home(1), data: data))
        simulator.schedule(at: time, target: id, kind: 1, payload: UInt64(outgoing.count - 1))
    }

    func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        interconnect.send(outgoing[Int(event.payload)], at: simulator.now)
    }

    func outstandingTransactions() -> [String] { [] }

    fileprivate func arrived(_ message: CoherenceMessage) {
        received.append((simulator.now, message))
        guard case .llc(let s) = message.destination else { return }
        if let script, script(message, self) { return }
        let later = simulator.now + 5_000
        switch message.kind {
        case .DataS:
            send(.CmpAck, line: message.line, from: s, at: later)
        case .DataEx, .GntE:
            owned[s, default: [:]][message.line] = message.data
            send(.CmpAck, line: message.line, from: s, at: later)
        case .SnpData:
            if let value = owned[s]?.removeValue(forKey: message.line) {
                send(.RspSWb, line: message.line, from: s, at: later, data: value + 100)
            } else {
                send(.RspS, line: message.line, from: s, at: later)
            }
        case .SnpInv:
            if let value = owned[s]?.removeValue(forKey: message.line) {
                send(.RspIWb, line: message.line, from: s, at: later, data: value + 100)   // it wrote value + 100
            } else {
                send(.RspI, line: message.line, from: s, at: later)
            }
        default:
            break
        }
    }

    func run() throws { try simulator.run() }
    /// Messages of `kind` the FPGA sent.
    func sent(_ kind: MessageKind) -> [(time: Tick, message: CoherenceMessage)] { received.filter { $0.message.kind == kind } }
}

@Suite struct FPGARaceTests {
    @Test func aFetchInFlightServesEveryRequestForItsBlock() throws {
        let b = FPGABench()
        b.send(.RdShared, line: 0, from: 0, at: 0)
        b.send(.RdShared, line: 5, from: 1, at: 100_000)         // same block, fetch still in flight
        b.send(.RdShared, line: 0, from: 1, at: 200_000)
        try b.run()
        #expect(b.agent.fetches == 1 && b.agent.requests == 3 && b.agent.hits == 0)
        let grants = b.sent(.DataS) + b.sent(.DataEx)
        #expect(grants.count == 3 && b.sent(.SnpData).count == 1, "the third read downgrades the first reader")
        // Line 0 (the critical line) is answered before the rest of the block has arrived.
        let first = grants.min { $0.time < $1.time }!
        #expect(first.message.line == 0 && first.message.destination == .llc(0))
        #expect(grants.first { $0.message.line == 5 }!.time > first.time)
    }

    @Test func aRequestToABlockUnderEvictionWaitsAndIsServedAfterARefetch() throws {
        let b = FPGABench()
        b.send(.RdOwn, line: 0, from: 0, at: 0)                   // socket 0 owns line 0 (block 0)
        b.send(.RdShared, line: 64, from: 1, at: 4_000_000)       // block 1: the one frame must be evicted
        b.send(.RdShared, line: 1, from: 1, at: 4_050_000)        // block 0 again, while it is being evicted
        try b.run()
        #expect(b.agent.engine.evictions == 2 && b.agent.fetches == 3)
        let snoop = b.sent(.SnpInv).first!
        let late = (b.sent(.DataS) + b.sent(.DataEx)).first { $0.message.line == 1 }!
        #expect(late.time > snoop.time, "the request waited for the eviction")
        #expect(b.agent.remoteValue(0) == 100, "the owner's dirty data reached remote memory")
        #expect(b.agent.outstandingTransactions().isEmpty)
    }

    @Test func theOldestMissGetsTheFreedFrame() throws {
        // The block-1 miss waits for block 0's eviction; a request for block 0 arriving during
        // that eviction is younger, so block 1 gets the freed frame first.
        let b = FPGABench()
        b.send(.RdOwn, line: 0, from: 0, at: 0)
        b.send(.RdShared, line: 64, from: 1, at: 4_000_000)       // older: block 1
        b.send(.RdShared, line: 1, from: 1, at: 4_050_000)        // younger: block 0 again
        try b.run()
        let grants = b.sent(.DataS) + b.sent(.DataEx)
        let older = grants.first { $0.message.line == 64 }!, younger = grants.first { $0.message.line == 1 }!
        #expect(older.time < younger.time, "block 1 granted at \(older.time) ps, block 0 again at \(younger.time) ps")
        #expect(b.agent.outstandingTransactions().isEmpty)
    }

    @Test func anEvictionRecallsALineSharedBySeveralSockets() throws {
        let b = FPGABench()
        b.send(.RdShared, line: 3, from: 0, at: 0)
        b.send(.RdShared, line: 3, from: 1, at: 3_000_000)
        b.send(.RdShared, line: 64, from: 0, at: 6_000_000)       // evicts block 0
        try b.run()
        let snoops = b.sent(.SnpInv)
        #expect(Set(snoops.map { $0.message.destination }) == [.llc(0), .llc(1)])
        // The first reader's downgrade handed over its dirty data: that one line is written back.
        #expect(b.agent.engine.evictions == 1 && b.agent.engine.dirtyLinesWrittenBack == 1 && b.agent.remoteValue(3) == 100)
        #expect(b.agent.controller.state(3) == .I && b.agent.controller.state(64) == .EM)
    }

    @Test func anEvictionsBackInvalidationCrossingAWritebackKeepsTheData() throws {
        let b = FPGABench()
        b.send(.RdOwn, line: 7, from: 0, at: 0)
        b.script = { message, bench in
            guard message.kind == .SnpInv else { return false }
            // The socket had just evicted the line: its WbDirty crosses the snoop, which it
            // answers with the same data (an LLC in MI_A sends RspIWb).
            bench.send(.WbDirty, line: 7, from: 0, at: bench.simulator.now + 1_000, data: 42)
            bench.send(.RspIWb, line: 7, from: 0, at: bench.simulator.now + 30_000, data: 42)
            return true
        }
        b.send(.RdShared, line: 64, from: 1, at: 4_000_000)
        try b.run()
        #expect(b.sent(.WbAck).count == 1, "the crossed writeback is acknowledged after the recall")
        #expect(b.agent.remoteValue(7) == 42 && b.agent.engine.dirtyLinesWrittenBack == 1)
        #expect(b.agent.controller.state(7) == .I)
    }

    @Test func aSharersEvictionNoticeCrossingARecallIsAcknowledgedAfterItsSnoop() throws {
        // Slow snoops: socket 1's WbShared reaches the FPGA while the recall's SnpInv to it
        // is still in flight. The WbAck must not overtake that SnpInv (socket 1 would be in I
        // when it arrives): the FPGA acknowledges only after socket 1's snoop response.
        let b = FPGABench(snoopLatency: 200_000)
        b.send(.RdShared, line: 3, from: 0, at: 0)
        b.send(.RdShared, line: 3, from: 1, at: 3_000_000)          // S, shared by sockets 0 and 1
        b.send(.RdShared, line: 64, from: 0, at: 6_000_000)         // evicts block 0: recall line 3
        b.send(.WbShared, line: 3, from: 1, at: 6_040_000)          // socket 1 evicts its copy meanwhile
        try b.run()
        let snoop = b.sent(.SnpInv).first { $0.message.destination == .llc(1) }!
        let ack = b.sent(.WbAck).first { $0.message.destination == .llc(1) }!
        #expect(ack.time > snoop.time, "WbAck at \(ack.time) ps overtook the SnpInv at \(snoop.time) ps")
        #expect(b.agent.engine.evictions == 1 && b.agent.controller.state(3) == .I)
    }

    @Test func aStaleWritebackCrossingARecallOfASharedLineWaits() throws {
        // Found by the random tester's FPGA home. With silent clean evictions (grant S), socket 0
        // owns line 3 and replaces it: its WbDirty crosses socket 1's read, whose SnpData it
        // answers with the data (RspIWb, an LLC in MI_A). Line 3 is then S, shared by socket 1
        // alone, when an eviction recalls it; the stale WbDirty reaches the FPGA in S_R, before
        // socket 1's (slow) snoop response. It waits for the recall, then is acknowledged.
        let b = FPGABench(snoopLatency: 200_000, variant: ProtocolVariant(grantExclusive: false, silentCleanEviction: true))
        b.send(.RdOwn, line: 3, from: 0, at: 0)
        b.script = { message, bench in
            guard message.kind == .SnpData, message.destination == .llc(0) else { return false }
            bench.send(.RspIWb, line: 3, from: 0, at: bench.simulator.now + 5_000, data: 42)
            bench.send(.WbDirty, line: 3, from: 0, at: 3_600_000, data: 42)       // in flight since before the snoop
            return true
        }
        b.send(.RdShared, line: 3, from: 1, at: 3_000_000)           // SnpData to socket 0; then S (socket 1)
        b.send(.RdShared, line: 64, from: 0, at: 3_500_000)          // evicts block 0: recall line 3
        try b.run()
        let table = b.agent.controller.table, hits = b.agent.controller.coverage.hits
        #expect(hits[table.rowIndex(.S_R, .WbStale)!] == 1, "the WbDirty reached the FPGA during the recall")
        let snoop = b.sent(.SnpInv).first { $0.message.destination == .llc(1) }!
        let ack = b.sent(.WbAck).first { $0.message.destination == .llc(0) }!
        #expect(ack.time > snoop.time, "the stale writeback is acknowledged after the recall")
        #expect(b.agent.engine.evictions == 1 && b.agent.remoteValue(3) == 42 && b.agent.controller.state(3) == .I)
        #expect(b.agent.outstandingTransactions().isEmpty)
    }

    @Test func aDirtyEvictionSendsTheConfiguredBytes() throws {
        // Four dirty lines in two runs (offsets 0-2 and 10): one write of 4 x 64 B of data and
        // 2 x 16 B of descriptors in one packet with a 64 B header = 352 B.
        let b = FPGABench()
        for (i, line) in [0, 1, 2, 10].enumerated() {
            b.send(.RdOwn, line: UInt64(line), from: 0, at: UInt64(i) * 10_000)
        }
        b.send(.RdShared, line: 64, from: 1, at: 5_000_000)
        try b.run()
        #expect(b.agent.engine.dirtyLinesWrittenBack == 4 && b.agent.network.writes == 1)
        #expect(b.agent.engine.evictionBytes == 352 && b.agent.network.bytesWritten == 352)
        #expect(b.agent.remoteValue(10) == 100)
    }

    @Test func aWholeBlockEvictionSendsTheBlock() throws {
        // 64 lines in one entry: 4096 + 16 B in two packets (MTU 4 KiB) with 64 B headers = 4240 B.
        let b = FPGABench(wholeBlock: true)
        b.send(.RdOwn, line: 0, from: 0, at: 0)
        b.send(.RdShared, line: 64, from: 1, at: 5_000_000)
        try b.run()
        #expect(b.agent.engine.linesWrittenBack == 64 && b.agent.engine.evictionBytes == 4240)
    }

    @Test func theTimedFetchIsTheSumOfItsParts() throws {
        // Request at t=0: pipeline 8 ns + lookup 2 ns; request packet 64 B at 8 GB/s = 8 ns,
        // + 1 us; the node reads the critical line (64 B at 512 Gbit/s: 1 ns, + 100 ns); it
        // returns in 128 B (16 ns) + 1 us; the directory updates the line (2 ns; the request
        // went through the pipeline when it arrived); DataEx crosses the interconnect (20 ns).
        let b = FPGABench()
        b.send(.RdOwn, line: 0, from: 0, at: 0)
        try b.run()
        let grant = b.sent(.DataEx).first!
        #expect(grant.time == 20_000 + 10_000 + 8_000 + 1_000_000 + 1_000 + 100_000 + 16_000 + 1_000_000 + 2_000 + 20_000,
                "got \(grant.time) ps")
        // The block was written into FMem's DRAM as it arrived: 64 lines, no read.
        #expect(b.agent.dram.writes == 64 && b.agent.dram.reads == 0)
    }
}
