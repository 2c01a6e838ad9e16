#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KonaConfig
import KonaEngine
import KonaHardware
import KonaProtocol
import KonaWorkloads

// Building a system from its config: the private slice, the coherent sockets, the homes,
// the FPGA or the paging model, and the network to the remote nodes.
extension Simulation {
    /// The FPGA's network to the remote memory nodes (`net.*`, `remote.*`), registered with `simulator`.
    static func makeNetwork(_ spec: SimulationConfig.FPGA, nodeDRAM: DRAMParameters? = nil, simulator: Simulator,
                            stats: StatsRegistry, simulatedTime: @escaping () -> Tick) -> RemoteNetwork {
        RemoteNetwork(path: "net", latency: spec.netLatency, bitsPerSecond: spec.netBitsPerSecond,
                      headerBytes: spec.headerBytes, mtu: spec.mtu, sgEntryBytes: spec.sgEntryBytes,
                      maxOutstanding: spec.netMaxOutstanding, nodes: spec.nodes, nodeLatency: spec.remoteLatency,
                      nodeBitsPerSecond: spec.remoteBitsPerSecond, dmaLatency: spec.dmaLatency,
                      dmaBitsPerSecond: spec.dmaBitsPerSecond, postedWrites: spec.postedWrites, nodeDRAM: nodeDRAM,
                      simulator: simulator, stats: stats, simulatedTime: simulatedTime)
    }

    /// Builds the Kona FPGA home agent with its FMem, DRAM and network.
    func makeFPGA(_ spec: SimulationConfig.FPGA, index: Int, variant: ProtocolVariant, outbox: TimedOutbox) -> FPGAHomeAgent {
        let timeNow = simulatedTime
        let fclock = ClockDomain(hertz: spec.hertz)
        let inclusion: FMemInclusion = spec.nonInclusive ? .nonInclusive : .inclusive
        let dram = Self.makeMemory(path: "fpga.fmem", prefix: "fpga.fmem", config: config, latency: spec.fmemLatency,
                                   bitsPerSecond: spec.fmemBitsPerSecond, stats: stats, simulatedTime: timeNow)
        let network = Self.makeNetwork(spec, nodeDRAM: remoteDRAM, simulator: simulator, stats: stats, simulatedTime: timeNow)
        let fmem = FrameCache(sets: spec.sets, ways: spec.ways, linesPerBlock: Int(spec.blockSize >> 6),
                        policy: FrameCache.Policy(rawValue: spec.replacement)!,
                        random: RandomStream(seed: config.seed, path: "fpga.fmem.replacement"))
        let parameters = FPGAHomeAgent.Parameters(
            pipelineLatency: fclock.ticks(forCycles: spec.pipelineCycles), directoryLatency: fclock.ticks(forCycles: spec.directoryCycles),
            clock: fclock, lookupsPerCycle: spec.lookupsPerCycle,
            maxOutstanding: spec.maxOutstanding, dirtyOnGrant: spec.dirtyOnGrant, blockSize: spec.blockSize,
            criticalFirst: spec.criticalFirst,
            eviction: EvictionEngine.Parameters(highWatermark: spec.highWatermark, lowWatermark: spec.lowWatermark,
                                                coldestVictim: spec.coldestVictim, scan: spec.scan,
                                                writeback: spec.wholeBlockWriteback ? .wholeBlock : .dirtyLines,
                                                batchBytes: spec.batchBytes, sgEntries: spec.sgEntries),
            nodes: RemoteNodeMap(nodes: spec.nodes, striped: spec.striped, partitionSize: spec.partitionSize, blockSize: spec.blockSize),
            inclusion: inclusion, inclusionVictimWindow: Tick(spec.inclusionVictimWindow))
        return FPGAHomeAgent(path: "fpga", index: index, table: HomeProtocol.fpgaTable(variant, inclusion: inclusion), frames: fmem, dram: dram,
                             network: network, parameters: parameters, outbox: outbox, simulator: simulator, stats: stats)
    }

    /// Builds Kona on CXL: the host bridge (the sockets' directory for the range, a CXL host)
    /// and the device behind the CXL link (snoop filter, and the FPGA's FMem, eviction engine,
    /// pipeline and network: `fpga.*`).
    func makeCXL(_ spec: SimulationConfig.FPGA, _ cxl: SimulationConfig.CXL, index: Int, variant: ProtocolVariant,
                 outbox: TimedOutbox) -> CXLHostBridge {
        let timeNow = simulatedTime
        let fclock = ClockDomain(hertz: spec.hertz)
        let dram = Self.makeMemory(path: "fpga.fmem", prefix: "fpga.fmem", config: config, latency: spec.fmemLatency,
                                   bitsPerSecond: spec.fmemBitsPerSecond, stats: stats, simulatedTime: timeNow)
        let network = Self.makeNetwork(spec, simulator: simulator, stats: stats, simulatedTime: timeNow)
        let fmem = FrameCache(sets: spec.sets, ways: spec.ways, linesPerBlock: Int(spec.blockSize >> 6),
                              policy: FrameCache.Policy(rawValue: spec.replacement)!,
                              random: RandomStream(seed: config.seed, path: "fpga.fmem.replacement"))
        let filter = CXLSnoopFilter(entries: cxl.snoopFilterEntries, ways: cxl.snoopFilterWays,
                                    policy: ReplacementPolicy(rawValue: cxl.snoopFilterReplacement)!,
                                    random: RandomStream(seed: config.seed, path: "cxl.snoop_filter.replacement"))
        let link = CXLLink(path: "cxl.link", parameters: CXLLink.Parameters(
            format: CXLFlitFormat(rawValue: cxl.flit)!, bitsPerSecond: cxl.linkBitsPerSecond, latencyToDevice: cxl.latencyToDevice,
            latencyToHost: cxl.latencyToHost, switchHops: cxl.switchHops, switchLatency: cxl.switchLatency, credits: cxl.credits),
                           stats: stats, simulatedTime: timeNow)
        let parameters = CXLDeviceAgent.Parameters(
            pipelineLatency: fclock.ticks(forCycles: spec.pipelineCycles + spec.directoryCycles), blockSize: spec.blockSize,
            eviction: EvictionEngine.Parameters(highWatermark: spec.highWatermark, lowWatermark: spec.lowWatermark,
                                                coldestVictim: spec.coldestVictim, scan: spec.scan,
                                                writeback: spec.wholeBlockWriteback ? .wholeBlock : .dirtyLines,
                                                batchBytes: spec.batchBytes, sgEntries: spec.sgEntries),
            nodes: RemoteNodeMap(nodes: spec.nodes, striped: spec.striped, partitionSize: spec.partitionSize, blockSize: spec.blockSize),
            hostOnlyCoherent: cxl.hostOnlyCoherent)
        let device = CXLDeviceAgent(path: "cxl", fmemPath: "fpga", filter: filter, frames: fmem, dram: dram, network: network,
                                    link: link, parameters: parameters, simulator: simulator, stats: stats)
        return CXLHostBridge(path: "cxl.host", index: index, table: HomeProtocol.fpgaTable(variant), device: device, link: link,
                             directoryLatency: config.directoryLatency, outbox: outbox, simulator: simulator)
    }

    /// Builds the paging model: a page cache of `paging.capacity` in socket 0's DRAM, its
    /// directory looked up like a CPU home agent's.
    func makePaging(_ spec: SimulationConfig.FPGA, _ paging: SimulationConfig.Paging, index: Int,
                            variant: ProtocolVariant, outbox: TimedOutbox) -> PagingHomeAgent {
        let frames = FrameCache(sets: 1, ways: paging.frames, linesPerBlock: Int(paging.pageSize >> 6),
                          policy: paging.lru ? .lru : .clock, random: RandomStream(seed: config.seed, path: "paging.replacement"))
        let parameters = PagingHomeAgent.Parameters(
            pageSize: paging.pageSize, directoryLatency: config.directoryLatency, faultLatency: paging.faultLatency,
            mapLatency: paging.mapLatency, wpFaultLatency: paging.wpFaultLatency,
            writebackLatency: paging.writebackLatency, maxFaults: paging.maxFaults,
            readahead: paging.readahead, batch: paging.batch, shootdownLatency: paging.shootdownLatency,
            shootdownPerCore: paging.shootdownPerCore, shootdownHandler: paging.shootdownHandler,
            eviction: EvictionEngine.Parameters(highWatermark: paging.highWatermark, lowWatermark: paging.lowWatermark,
                                                coldestVictim: false, scan: paging.scan, writeback: .wholeBlockIfDirty,
                                                batchBytes: paging.pageSize, sgEntries: 1),
            nodes: RemoteNodeMap(nodes: spec.nodes, striped: spec.striped, partitionSize: spec.partitionSize, blockSize: paging.pageSize))
        return PagingHomeAgent(path: "paging", index: index, cores: config.sockets * config.coresPerSocket,
                               table: HomeProtocol.fpgaTable(variant), frames: frames, dram: memories[0],
                               network: Self.makeNetwork(spec, nodeDRAM: remoteDRAM, simulator: simulator, stats: stats,
                                                         simulatedTime: simulatedTime), parameters: parameters,
                               lookups: LookupPort(clock: clock, perCycle: config.homeLookupsPerCycle), outbox: outbox,
                               simulator: simulator, stats: stats)
    }

    /// Builds cores, private cache complexes, LLCs, fabrics, the homes, the links and the FPGA.
    func buildCoherent(source: (Int) -> any AccessSource, coreTable: CoreComplexProtocol.Table?) {
        let config = self.config, stats = self.stats, simulator = self.simulator
        let variant = ProtocolVariant(grantExclusive: config.grantExclusive, silentCleanEviction: config.silentCleanEviction)
        let timeNow = simulatedTime
        let sockets = config.sockets
        func network(_ path: String, _ spec: SimulationConfig.Network, bySocket: Bool = false) -> Interconnect {
            Interconnect(path: path, headerBytes: spec.headerBytes,
                         timing: (0..<4).map { Interconnect.ChannelTiming(latency: spec.latency[$0], bitsPerSecond: spec.bitsPerSecond[$0]) },
                         bySocket: bySocket, simulator: simulator, stats: stats, simulatedTime: timeNow)
        }
        fabrics = (0..<sockets).map { network(sockets == 1 ? "fabric" : "fabric\($0)", config.fabric) }
        let fabrics = self.fabrics
        fpgaLink = config.fpga == nil || config.paging != nil ? nil : network("link.fpga", config.fpgaLink)
        socketLink = sockets == 1 ? nil : network("link.socket", config.socketLink, bySocket: true)
        let fpgaLink = self.fpgaLink, socketLink = self.socketLink
        /// Socket `s`'s route to socket `t`'s LLC or home: its own fabric, or the link between sockets.
        func route(_ s: Int, _ t: Int) -> Interconnect { s == t ? fabrics[s] : socketLink! }
        let perSocket = config.coresPerSocket
        for s in 0..<sockets {
            homes.append(CPUHomeAgent(path: sockets == 1 ? "home" : "home\(s)", index: s, table: HomeProtocol.table(variant),
                                   memory: memories[s], directoryLatency: config.directoryLatency,
                                   lookups: LookupPort(clock: clock, perCycle: config.homeLookupsPerCycle),
                                   outbox: TimedOutbox(toCore: nil, toLLC: (0..<sockets).map { route(s, $0) }, toHome: []),
                                   simulator: simulator, stats: stats))
        }
        // Called through a guaranteed reference: an unowned capture is retained per call.
        let me = Unmanaged.passUnretained(self)
        let homeOf: (UInt64) -> Endpoint = { line in me._withUnsafeGuaranteedRef { .home($0.home(of: line)) } }
        if let spec = config.fpga, let paging = config.paging {
            // The page cache is in socket 0's DRAM, behind its fabric.
            self.paging = makePaging(spec, paging, index: sockets, variant: variant,
                                     outbox: TimedOutbox(toCore: nil, toLLC: (0..<sockets).map { route(0, $0) }, toHome: []))
        } else if let spec = config.fpga, let cxlSpec = config.cxl, let fpgaLink {
            cxl = makeCXL(spec, cxlSpec, index: sockets, variant: variant,
                          outbox: TimedOutbox(toCore: nil, toLLC: Array(repeating: fpgaLink, count: sockets), toHome: []))
        } else if let spec = config.fpga, let fpgaLink {
            fpga = makeFPGA(spec, index: sockets, variant: variant,
                            outbox: TimedOutbox(toCore: nil, toLLC: Array(repeating: fpgaLink, count: sockets), toHome: []))
        }
        let fpga = self.fpga, paging = self.paging
        let remoteLatency = placement == nil ? nil
            : stats.distribution("amat.remote_latency_ns", "latency of each access to remote memory, all cores", unit: "ns", scale: 1000)
        for s in 0..<sockets {
            let fabric = fabrics[s]
            let remoteRoute = paging != nil ? [route(s, 0)] : fpgaLink.map { [$0] } ?? []
            let outbox = TimedOutbox(toCore: fabric, toLLC: [],
                                     toHome: (0..<sockets).map { route(s, $0) } + remoteRoute)
            llcs.append(SocketLLC(path: "llc\(s)", socket: s, firstCore: s * perSocket, cores: perSocket,
                                  sets: config.llc.sets, ways: config.llc.ways,
                                  latency: clock.ticks(forCycles: config.llc.latencyCycles),
                                  slices: (0..<config.llcSlices).map { _ in LookupPort(clock: clock, perCycle: config.llcLookupsPerCycle) },
                                  writebackBuffer: config.llcWritebackBuffer,
                                  table: LLCProtocol.table(variant), outbox: outbox, homeOf: homeOf,
                                  simulator: simulator, seed: config.seed, stats: stats))
            for k in 0..<perSocket {
                let c = s * perSocket + k
                let path = "cpu\(c)"
                let complex = PrivateCacheComplex(
                    path: path, index: c, llc: .llc(s), table: coreTable ?? CoreComplexProtocol.table(variant),
                    l1: (config.l1d.sets, config.l1d.ways, clock.ticks(forCycles: config.l1d.latencyCycles)),
                    l2: (config.l2.sets, config.l2.ways, clock.ticks(forCycles: config.l2.latencyCycles)),
                    mshrs: config.l2.mshrs, checker: checker,
                    outbox: TimedOutbox(toCore: nil, toLLC: Array(repeating: fabric, count: sockets), toHome: []),
                    simulator: simulator, seed: config.seed, stats: stats)
                let core = Core(path: path, clock: clock, issueRate: config.issueRate, maxOutstanding: config.maxOutstanding,
                                maxAccesses: config.maxAccesses, model: Self.coreModel(config), l1: complex, source: source(c), stats: stats)
                core.id = simulator.register(core)
                complex.placement = placement
                complex.pager = paging
                complex.remoteLatency = remoteLatency
                let unretainedCore = Unmanaged.passUnretained(core), unretainedSimulator = Unmanaged.passUnretained(simulator)
                complex.onDeferredComplete = { issued, time, missed, ordinal in
                    unretainedSimulator._withUnsafeGuaranteedRef { simulator in
                        unretainedCore._withUnsafeGuaranteedRef {
                            $0.completeDeferred(issuedAt: issued, at: time, missed: missed, ordinal: ordinal, in: simulator)
                        }
                    }
                }
                complexes.append(complex)
                cores.append(core)
            }
        }
        if let paging {
            let cores = self.cores, complexes = self.complexes, placement = self.placement
            paging.interrupt = { c, time in cores[c].interrupt(until: time) }
            paging.retry = { c in complexes[c].retryFault() }
            paging.isRemote = { placement?.isRemote($0) == true }
        }
        let router = MessageRouter(complexes: complexes, llcs: llcs, homes: homes, fpga: fpga, paging: paging, cxl: cxl)
        self.router = router
        for link in fabrics + [fpgaLink, socketLink].compactMap({ $0 }) { link.deliver(to: router) }
    }

    /// What `SimulationConfig` says of how cores execute instructions, as the hardware's type.
    static func coreModel(_ config: SimulationConfig) -> CoreModel {
        CoreModel(kind: config.inOrder ? .inOrder : .outOfOrder, robSize: config.robSize,
                  ipcNumerator: config.ipcNumerator, ipcDenominator: config.ipcDenominator)
    }

    static func makeSource(_ config: SimulationConfig, core: Int) throws(WorkloadError) -> (any AccessSource, String) {
        switch config.workload {
        case .trace, .coreTraces:
            preconditionFailure("traces are placed by TraceAssignment")
        case .synthetic where core >= config.threads:
            return (AccessList([]), "")
        case .synthetic(let pattern, let accesses, let footprint, let base, let accessSize, let storeFraction,
                        let stride, let zipfTheta, let instructions):
            var seeds = RandomStream(seed: config.seed, path: "cpu\(core).workload")
            let spec = SyntheticSpec(pattern: SyntheticSpec.Pattern(rawValue: pattern)!, count: accesses,
                                     footprint: footprint, base: base, accessSize: accessSize,
                                     storeFraction: storeFraction, stride: stride, zipfTheta: zipfTheta,
                                     seed: seeds.next(), instructionsPerAccess: instructions)
            let issued = config.maxAccesses > 0 ? min(accesses, config.maxAccesses) : accesses
            let description = "\(pattern), \(issued) accesses of \(accessSize) B over \(Units.formatBytes(footprint))"
                + (pattern == "pointer_chase" ? "" : ", \(Int((storeFraction * 100).rounded()))% stores")
                + (instructions == 0...0 ? "" : ", \(instructions.lowerBound == instructions.upperBound ? "\(instructions.lowerBound)" : "\(instructions.lowerBound)-\(instructions.upperBound)") instructions each")
            return (SyntheticWorkload(spec), description)
        }
    }
}
