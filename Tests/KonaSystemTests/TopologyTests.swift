import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
@testable import KonaSystem
import KonaWorkloads

/// Each socket reaches its own home agent and DRAM over its on-die fabric; the FPGA sits
/// behind its own coherent link; another socket's memory is across the link between sockets.
@Suite struct TopologyTests {
    @Test func withTheDefaultsALocalMissIsUnder120nsAndAnFMemHitAtLeast1point3TimesThat() throws {
        let c = try SimulationConfig(KonaSchema.loader.load(text: EmbeddedDefault.yaml, name: EmbeddedDefault.name,
                                                             overrides: ["system.cores_per_socket=1"]))
        let placement = RemotePlacement(base: 0, size: 0, fraction: c.fpga!.remoteFraction, pageSize: c.fpga!.pageSize, seed: c.seed)
        let local = (0..<64).map { UInt64($0) << 12 }.first { !placement.isRemote($0 >> 6) }!
        let remote = (0..<64).map { UInt64($0) << 12 }.first { placement.isRemote($0 >> 6) }!
        // The local miss alone; then the remote block's first line (a fetch), a long run of hits
        // on it (the whole block arrives meanwhile), and another of its lines: an FMem hit,
        // the shorter of that run's two misses.
        let near = Simulation(config: c, sources: [AccessList([load(local)])])
        _ = try near.run()
        var stream = Array(repeating: load(remote), count: 5001)
        stream.append(load(remote + 64))
        for i in 1..<stream.count { stream[i].dependent = true }
        let far = Simulation(config: c, sources: [AccessList(stream)])
        let r = try far.run()
        #expect(integer(r, "fpga.fetches") == 1 && integer(r, "fpga.fmem.hits") == 1 && integer(r, "cpu0.l1d.misses") == 2)
        let localMiss = Double(near.cores[0].missLatency.max) / 1000, fmemHit = Double(far.cores[0].missLatency.min) / 1000
        #expect(localMiss < 120, "an idle local DRAM miss takes \(localMiss) ns")
        #expect(fmemHit >= 1.3 * localMiss, "an idle FMem hit takes \(fmemHit) ns, \(fmemHit / localMiss)x the local miss")
    }

    @Test func anotherSocketsMemoryIsAcrossTheLinkBetweenSockets() throws {
        // Two sockets of one core, memory interleaved by 4 KiB: page 0 is socket 0's, page 1
        // socket 1's. cpu1 (socket 1) loads from its own page, then from socket 0's.
        var far = load(0)
        far.dependent = true
        let (s, r) = try runCoherent([[], [load(4096), far]], ["system.sockets=2", "system.cores_per_socket=1"])
        #expect(integer(r, "memory0.reads") == 1 && integer(r, "memory1.reads") == 1)
        #expect(integer(r, "memory.reads") == 2)
        // RdShared and DataEx of the far miss cross the link (and its completion, CmpAck); the
        // near one stays on socket 1's fabric.
        #expect(integer(r, "link.socket.request.messages") == 1 && integer(r, "link.socket.data.messages") == 1)
        #expect(integer(r, "fabric1.request.messages") == 3, "GetS, RdShared (near), GetS")
        #expect(s.homes.count == 2 && s.home(of: 0) == 0 && s.home(of: 64) == 1)
        // Near: 197 ns (CoherentSystemTests). Far: the two fabric hops to the home become
        // link hops, 18 ns longer each way.
        let cpu1 = s.cores[1].missLatency
        #expect(cpu1.min == 197_000 && cpu1.max == 197_000 + 2 * 18_000, "near \(cpu1.min) ps, far \(cpu1.max) ps")
    }

    @Test func theLinkBetweenSocketsHasADirectionEachWay() throws {
        // Each socket reads the other's memory at once: the two RdShared travel in opposite
        // directions and do not queue behind each other (1 ns each at 16 GB/s).
        let (s, _) = try runCoherent([[load(4096)], [load(0)]], ["system.sockets=2", "system.cores_per_socket=1"])
        #expect(s.cores[0].missLatency.max == s.cores[1].missLatency.max)
        let link = s.socketLink!
        #expect(link.channels[1].messages == 1 && link.channels[0].messages == 1, "request channel, one message each way")
    }
}
