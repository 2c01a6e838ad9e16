import Testing
import KonaEngine
@testable import KonaHardware

/// A network whose node memory is banked DDR4-3200 (`remote.dram.model: banked`) against the
/// same network with a fixed 30 ns node memory of unlimited bandwidth.
@Suite struct RemoteNetworkBankedNodeTests {
    /// The network of `RemoteNetworkTests` (1 us, 64 Gbit/s, 4 KiB packets), its one node's
    /// memory banked (`nodeDRAM`) or a 30 ns channel of unlimited bandwidth.
    private func network(nodeDRAM: DRAMParameters?) -> (Simulator, RemoteNetwork, NetworkLog, NetworkDriver) {
        let simulator = Simulator()
        let net = RemoteNetwork(path: "net", latency: 1_000_000, bitsPerSecond: 64_000_000_000, headerBytes: 64, mtu: 4096,
                                sgEntryBytes: 16, maxOutstanding: 8, nodes: 1, nodeLatency: 30_000, nodeBitsPerSecond: 0,
                                nodeDRAM: nodeDRAM, simulator: simulator, stats: StatsRegistry(), simulatedTime: { simulator.now })
        let log = NetworkLog(simulator)
        net.client = log
        return (simulator, net, log, NetworkDriver(simulator, net))
    }

    /// An idle one-line read at the node is a row miss on a precharged bank: tRCD + tCL +
    /// the burst, 22 + 22 + 4 cycles of 625 ps = 30 ns from the first clock edge after the
    /// request arrives (64 B header at 8 B/ns + 1 us = 1,008,000 ps; the next edge is 125 ps
    /// later), so the read ends 125 ps after the fixed 30 ns node's; the banked node counts
    /// the read and its activation.
    @Test func anIdleLineReadCostsTheRowMissHandSum() throws {
        var ends: [Tick] = []
        for banked in [false, true] {
            let (simulator, net, log, driver) = network(nodeDRAM: banked ? ddr4_3200 : nil)
            net.read(bytes: 64, node: 0, criticalFirst: false, tag: 7, line: 1_000, at: 0)
            try simulator.run()
            withExtendedLifetime(driver) {}
            ends.append(try #require(log.completed[7]))
            if banked {
                #expect(net.nodeMemories.count == 1 && net.nodeMemories[0].reads == 1 && net.nodeMemories[0].activates == 1)
            }
        }
        #expect(ends[1] == ends[0] + 125, "fixed 30 ns node \(ends[0]) ps, banked \(ends[1]) ps")
    }

    /// A 4 KiB read streams its 64 lines out of one row per bank (row hits after the first
    /// activations), and a write's lines are queued at the node when they arrive.
    @Test func aBlockReadHitsItsRowsAndAWriteIsQueued() throws {
        let (simulator, net, log, driver) = network(nodeDRAM: ddr4_3200)
        net.read(bytes: 4096, node: 0, criticalFirst: false, tag: 1, line: 0, at: 0)
        net.write(lines: 2, entries: 1, node: 0, tag: 2, line: 4096, at: 0)
        try simulator.run()
        withExtendedLifetime(driver) {}
        let node = net.nodeMemories[0]
        #expect(node.reads == 64 && node.rowHits > 0 && node.activates < 64, "\(node.rowHits) row hits, \(node.activates) activates")
        #expect(node.writes >= 2, "a write's lines reach the node's write queue")
        #expect(log.completed[1] != nil && log.completed[2] != nil)
    }
}
