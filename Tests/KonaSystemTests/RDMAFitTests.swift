#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
@testable import KonaSystem

/// Notes when a `RemoteNetwork`'s operations end.
private final class Completions: RemoteNetworkClient {
    let simulator: Simulator
    var ended: [UInt64: Tick] = [:]
    init(_ simulator: Simulator) { self.simulator = simulator }
    func readPacket(_ tag: UInt64, bytes: UInt64, arrivesAt time: Tick) {}
    func readCriticalArrived(_ tag: UInt64) throws(SimulationError) {}
    func readCompleted(_ tag: UInt64) throws(SimulationError) { ended[tag] = simulator.now }
    func writeCompleted(_ tag: UInt64) throws(SimulationError) { ended[tag] = simulator.now }
}

@Suite struct RDMAFitTests {
    /// The Kona artifact's measured RDMA latency, t_avg in us, by bytes: project-kona/KCacheSim
    /// scripts/rdma-read-lats.csv and scripts/rdma-write-lats.csv (copied in
    /// shared/anchors/kona-artifact.md).
    static let measuredRead: [(bytes: UInt64, us: Double)] = [(64, 2.42), (4096, 3.11), (2 << 20, 195.09)]
    static let measuredWrite: [(bytes: UInt64, us: Double)] = [(64, 1.32), (4096, 2.41), (2 << 20, 187.66)]

    /// hwconfigs/kona.yaml's network, built as `Simulation` builds it, with nothing else on it.
    fileprivate static func konaNetwork() throws -> (Simulator, RemoteNetwork, Completions) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let config = try SimulationConfig(KonaSchema.loader.load(path: root + "/hwconfigs/kona.yaml"))
        let spec = try #require(config.fpga, "hwconfigs/kona.yaml has remote memory")
        let simulator = Simulator()
        let network = Simulation.makeNetwork(spec, simulator: simulator, stats: StatsRegistry(), simulatedTime: { simulator.now })
        let client = Completions(simulator)
        network.client = client
        return (simulator, network, client)
    }

    /// The idle latency of one read (`write` false) or write of `bytes`, alone on the network,
    /// in us. A write of `bytes` is one contiguous run: `bytes / 64` lines in one
    /// scatter-gather entry (as the FPGA sends a block's dirty lines).
    static func idleLatency(write: Bool, bytes: UInt64) throws -> Double {
        let (simulator, network, client) = try konaNetwork()
        if write {
            network.write(lines: Int(bytes / LineGeometry.lineSize), entries: 1, node: 0, tag: 1, at: 0)
        } else {
            network.read(bytes: bytes, node: 0, criticalFirst: false, tag: 1, at: 0)
        }
        try simulator.run()
        let end = try #require(client.ended[1], "the operation ended")
        return Double(end) / 1e6
    }

    @Test(arguments: [false, true])
    func konaYAMLsIdleRDMALatencyIsWithin5PercentOfTheArtifact(write: Bool) throws {
        for (bytes, measured) in write ? Self.measuredWrite : Self.measuredRead {
            let simulated = try Self.idleLatency(write: write, bytes: bytes)
            let error = simulated / measured - 1
            print("RDMA \(write ? "write" : "read") \(bytes) B: \(simulated) us, measured \(measured) us (\(error * 100)%)")
            #expect(abs(error) <= 0.05, "\(write ? "write" : "read") of \(bytes) B: \(simulated) us against \(measured) us measured")
        }
    }
}
