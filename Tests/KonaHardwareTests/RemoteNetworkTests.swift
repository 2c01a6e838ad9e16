import Testing
import KonaEngine
@testable import KonaHardware

/// Records what a `RemoteNetwork` tells its client, with the times.
final class NetworkLog: RemoteNetworkClient {
    var packets: [(tag: UInt64, bytes: UInt64, arrival: Tick)] = []
    var critical: [UInt64: Tick] = [:]
    var completed: [UInt64: Tick] = [:]
    /// Completions per tag (each operation must end once).
    var ends: [UInt64: Int] = [:]
    /// Called on every response packet (a client may start operations then).
    var onPacket: (UInt64) -> Void = { _ in }
    let simulator: Simulator
    init(_ simulator: Simulator) { self.simulator = simulator }
    func readPacket(_ tag: UInt64, bytes: UInt64, arrivesAt time: Tick) {
        packets.append((tag, bytes, time))
        onPacket(tag)
    }
    func readCriticalArrived(_ tag: UInt64) throws(SimulationError) { critical[tag] = simulator.now }
    func readCompleted(_ tag: UInt64) throws(SimulationError) { completed[tag] = simulator.now; ends[tag, default: 0] += 1 }
    func writeCompleted(_ tag: UInt64) throws(SimulationError) { completed[tag] = simulator.now; ends[tag, default: 0] += 1 }
}

/// Starts network operations at given times.
final class NetworkDriver: Component {
    let path = "driver"
    var id = ComponentID(raw: 0)
    var starts: [(RemoteNetwork) -> Void] = []
    unowned let network: RemoteNetwork
    init(_ simulator: Simulator, _ network: RemoteNetwork) {
        self.network = network
        id = simulator.register(self)
    }
    func at(_ time: Tick, _ simulator: Simulator, _ start: @escaping (RemoteNetwork) -> Void) {
        starts.append(start)
        simulator.schedule(at: time, target: id, kind: 1, payload: UInt64(starts.count - 1))
    }
    func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) { starts[Int(event.payload)](network) }
    func outstandingTransactions() -> [String] { [] }
}

/// A 1 us link at 64 Gbit/s (8 B/ns) with 64 B headers and 4 KiB packets (a full packet is
/// 4,160 B on the wire: 520 ns); one node at 100 ns and 512 Gbit/s (64 B/ns).
/// With `dma`, writes read their payload through a 50 ns DMA stage at 128 Gbit/s (16 B/ns).
private func network(maxOutstanding: Int = 8, dma: Bool = false,
                     postedWrites: Bool = false) -> (Simulator, RemoteNetwork, NetworkLog, NetworkDriver) {
    let simulator = Simulator()
    let net = RemoteNetwork(path: "net", latency: 1_000_000, bitsPerSecond: 64_000_000_000, headerBytes: 64, mtu: 4096,
                            sgEntryBytes: 16, maxOutstanding: maxOutstanding, nodes: 1, nodeLatency: 100_000,
                            nodeBitsPerSecond: 512_000_000_000, dmaLatency: dma ? 50_000 : 0,
                            dmaBitsPerSecond: dma ? 128_000_000_000 : 0, postedWrites: postedWrites,
                            simulator: simulator, stats: StatsRegistry(), simulatedTime: { simulator.now })
    let log = NetworkLog(simulator)
    net.client = log
    return (simulator, net, log, NetworkDriver(simulator, net))
}

@Suite struct RemoteNetworkTests {
    @Test func aLargeReadOverlapsTheNodesMemoryWithTheLink() throws {
        // 2 MiB, whole: request 8 ns + 1 us; the node reads the first packet (64 ns + 100 ns),
        // then stays ahead of the link, which sends 512 packets of 520 ns back to back; the
        // last arrives 1 us later. Reading everything before sending would take 301,116 ns.
        let (simulator, net, log, _) = network()
        net.read(bytes: 2 << 20, node: 0, criticalFirst: false, tag: 7, at: 0)
        try simulator.run()
        #expect(log.completed[7] == (8 + 1_000 + 64 + 100 + 512 * 520 + 1_000) * 1_000, "got \(log.completed[7] ?? 0) ps")
        #expect(log.packets.count == 512 && log.packets.allSatisfy { $0.bytes == 4096 })
        #expect(net.bytesRead == 512 * 4160 && net.packets == 513)
    }

    @Test func theCriticalLineLeavesFirstInItsOwnPacket() throws {
        // 4 KiB, critical first: the line (1 ns + 100 ns at the node) returns in 128 B (16 ns)
        // + 1 us: at 2,125 ns. The rest (4,032 B, read meanwhile: ready at 1,172 ns) follows
        // in one packet of 4,096 B (512 ns) once read: 1,172 + 512 + 1,000 = 2,684 ns.
        let (simulator, net, log, _) = network()
        net.read(bytes: 4096, node: 0, criticalFirst: true, tag: 1, at: 0)
        try simulator.run()
        #expect(log.critical[1] == 2_125_000 && log.completed[1] == 2_684_000, "\(log.critical[1] ?? 0), \(log.completed[1] ?? 0)")
        #expect(log.packets.map(\.bytes) == [64, 4032])
    }

    @Test func aSmallReadDuringALargeOneWaitsAtMostAPacket() throws {
        // Alone, a 64 B read takes 8 + 1,000 + 1 + 100 + 16 + 1,000 = 2,125 ns. Issued 50 us
        // into a 2 MiB read, it waits for the packets ready before it (the one on the wire and
        // those the node read ahead: at most three of 520 ns), not for the rest of the 2 MiB.
        let (simulator, net, log, driver) = network()
        net.read(bytes: 2 << 20, node: 0, criticalFirst: false, tag: 1, at: 0)
        driver.at(50_000_000, simulator) { $0.read(bytes: 64, node: 0, criticalFirst: false, tag: 2, at: 50_000_000) }
        try simulator.run()
        let latency = log.completed[2]! - 50_000_000
        #expect(latency >= 2_125_000 && latency <= 2_125_000 + 3 * 520_000, "the 64 B read took \(latency) ps")
        #expect(log.completed[1]! <= 268_412_000 + 520_000, "the large read lost less than a packet's time")
    }

    @Test func concurrentLargeReadsShareTheLinkPacketByPacket() throws {
        let (simulator, net, log, _) = network()
        net.read(bytes: 1 << 20, node: 0, criticalFirst: false, tag: 1, at: 0)
        net.read(bytes: 1 << 20, node: 0, criticalFirst: false, tag: 2, at: 0)
        try simulator.run()
        // Packets leave as the node reads them, two ahead for each read: the two reads'
        // 2 x 256 packets of 520 ns interleave, and they end a couple of packets apart,
        // after about twice the time of one (not one after the other).
        let first = log.completed[1]!, second = log.completed[2]!
        #expect(second > first && second - first <= 2 * 520_000, "ended at \(first) and \(second) ps")
        #expect(second > 2 * 256 * 520_000 && second < 2 * 256 * 520_000 + 3_000_000)
    }

    @Test func aWriteIsAcknowledgedOnceTheNodeHasWrittenIt() throws {
        // 4 lines in 2 entries: 256 + 32 B of payload in one 352 B packet (44 ns) + 1 us; the
        // node writes 288 B (4.5 ns + 100 ns); the 64 B ack takes 8 ns + 1 us.
        let (simulator, net, log, _) = network()
        net.write(lines: 4, entries: 2, node: 0, tag: 3, at: 0)
        try simulator.run()
        #expect(log.completed[3] == 44_000 + 1_000_000 + 4_500 + 100_000 + 8_000 + 1_000_000, "got \(log.completed[3] ?? 0) ps")
        #expect(net.bytesWritten == 352)
    }

    @Test func aWriteWithADMAStageWaitsForItsPayloadToBeRead() throws {
        // One packet: 4 lines in 2 entries, 288 B. The NIC reads it (18 ns + 50 ns: ready at
        // 68 ns), sends 352 B (44 ns) + 1 us, the node writes 288 B (4.5 ns + 100 ns), the
        // 64 B ack takes 8 ns + 1 us: 68 + 44 + 1,000 + 104.5 + 1,008 = 2,224.5 ns.
        let (simulator, net, log, _) = network(dma: true)
        net.write(lines: 4, entries: 2, node: 0, tag: 1, at: 0)
        try simulator.run()
        #expect(log.completed[1] == 2_224_500, "got \(log.completed[1] ?? 0) ps")
        #expect(net.dma.bytes == 288 && net.bytesWritten == 352)
    }

    @Test func aMultiPacketWriteReadsItsPayloadAheadOfTheLink() throws {
        // Three packets: 128 lines in 1 entry, 8,208 B = 4,096 + 4,096 + 16. The NIC reads the
        // first two at once, back to back (256 ns each): ready at 306 and 562 ns. Packet 0
        // leaves at 306 (4,160 B: 520 ns, until 826) and the NIC starts the third's 16 B then:
        // its DMA is busy until 512, so 512 + 1 + 50 = 563. Packet 1 leaves at 826 (until
        // 1,346), packet 2 (80 B: 10 ns) at 1,346. Arrivals: 1,826, 2,346, 2,356. The node
        // writes 64 ns + 100 ns each: 1,990; 2,346 + 64 + 100 = 2,510; the third waits for
        // the second: 2,410 + 0.25 + 100 = 2,510.25. The ack: + 8 + 1,000 = 3,518.25 ns.
        let (simulator, net, log, _) = network(dma: true)
        net.write(lines: 128, entries: 1, node: 0, tag: 1, at: 0)
        try simulator.run()
        #expect(log.completed[1] == 3_518_250, "got \(log.completed[1] ?? 0) ps")
        #expect(net.dma.messages == 3 && net.dma.bytes == 8_208 && net.packets == 4)
    }

    @Test func aPostedWriteIsAcknowledgedWithoutTheNodesLatency() throws {
        // As above, but the node acknowledges once its memory has taken the last bytes in
        // (2,410.25 ns), not 100 ns later: 2,410.25 + 8 + 1,000 = 3,418.25 ns.
        let (simulator, net, log, _) = network(dma: true, postedWrites: true)
        net.write(lines: 128, entries: 1, node: 0, tag: 1, at: 0)
        try simulator.run()
        #expect(log.completed[1] == 3_418_250, "got \(log.completed[1] ?? 0) ps")
    }

    @Test func aClientMayStartAReadWhileBeingToldOfAPacket() throws {
        // No serialization and no latency anywhere, so the started read goes out at once,
        // inside the decision that told of the packet: each read still ends exactly once.
        let simulator = Simulator()
        let net = RemoteNetwork(path: "net", latency: 0, bitsPerSecond: 0, headerBytes: 64, mtu: 4096, sgEntryBytes: 16,
                                maxOutstanding: 8, nodes: 1, nodeLatency: 0, nodeBitsPerSecond: 0, simulator: simulator,
                                stats: StatsRegistry(), simulatedTime: { simulator.now })
        let log = NetworkLog(simulator)
        net.client = log
        log.onPacket = { tag in
            if tag == 1 && log.ends[2] == nil && !log.packets.contains(where: { $0.tag == 2 }) {
                net.read(bytes: 64, node: 0, criticalFirst: false, tag: 2, at: simulator.now)
            }
        }
        net.read(bytes: 64, node: 0, criticalFirst: false, tag: 1, at: 0)
        try simulator.run()
        #expect(log.ends == [1: 1, 2: 1], "ends: \(log.ends)")
        #expect(net.outstandingTransactions().isEmpty && net.packets == 4)
    }

    @Test func operationsBeyondTheLimitWaitForOneToEnd() throws {
        let (simulator, net, log, _) = network(maxOutstanding: 1)
        net.read(bytes: 64, node: 0, criticalFirst: false, tag: 1, at: 0)
        net.read(bytes: 64, node: 0, criticalFirst: false, tag: 2, at: 0)
        try simulator.run()
        #expect(log.completed[1] == 2_125_000 && log.completed[2] == 2 * 2_125_000)
        #expect(net.outstandingTransactions().isEmpty)
    }

    @Test func aWritePostedLaterTakesItsSlotWhenItIsPosted() throws {
        // A write posted 27 us from now leaves the one slot to a read issued meanwhile.
        let (simulator, net, log, _) = network(maxOutstanding: 1)
        net.write(lines: 1, entries: 1, node: 0, tag: 1, at: 27_000_000, postedLater: true)
        net.read(bytes: 64, node: 0, criticalFirst: false, tag: 2, at: 0)
        try simulator.run()
        #expect(log.completed[2] == 2_125_000, "got \(log.completed[2] ?? 0)")
        #expect(try #require(log.completed[1]) > 27_000_000)
        // One posted now whose data is ready later holds its slot from now.
        let (simulator2, net2, log2, _) = network(maxOutstanding: 1)
        net2.write(lines: 1, entries: 1, node: 0, tag: 1, at: 27_000_000)
        net2.read(bytes: 64, node: 0, criticalFirst: false, tag: 2, at: 0)
        try simulator2.run()
        #expect(try #require(log2.completed[2]) > 27_000_000)
        #expect(net.outstandingTransactions().isEmpty && net2.outstandingTransactions().isEmpty)
    }
}
