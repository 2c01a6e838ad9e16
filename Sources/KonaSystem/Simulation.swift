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

/// A simulated system built from a validated config, with every statistic registered.
///
/// `system.model: private` builds one core with private L1D and L2 in front of DRAM,
/// timed by reservation (the core is the only event-driven component). `coherent` builds
/// `system.sockets` sockets of `system.cores_per_socket` cores, each core's L1D and L2 a
/// `PrivateCacheComplex`, each socket an LLC and a CPU home agent in front of the socket's
/// DRAM on an on-die fabric; with several sockets, local memory interleaves over their homes
/// and a socket reaches another's over the link between sockets; the FPGA, when memory is
/// remote, sits behind its own coherent link.
public final class Simulation {
    /// The configuration this system was built from.
    public let config: SimulationConfig
    /// The event kernel.
    public let simulator = Simulator()
    /// Every statistic of the run.
    public let stats = StatsRegistry()
    /// The core clock.
    public let clock: ClockDomain
    /// The cores (`cpu0`, `cpu1`, ...).
    public private(set) var cores: [any IssuingCore] = []
    /// The private model's caches (nil in the coherent model).
    public private(set) var l1d, l2: Cache!
    /// Each core's private caches (coherent model).
    public private(set) var complexes: [PrivateCacheComplex] = []
    /// Each socket's LLC (coherent model).
    public private(set) var llcs: [SocketLLC] = []
    /// Each socket's on-die fabric (`fabric`, or `fabric<s>`), the coherent link to the FPGA
    /// (`link.fpga`, with an FPGA) and the link between sockets (`link.socket`, with several).
    public private(set) var fabrics: [Interconnect] = []
    public private(set) var fpgaLink: Interconnect?
    public private(set) var socketLink: Interconnect?
    /// Delivers the interconnects' messages (they hold it unretained).
    private var router: MessageRouter?
    /// Each socket's CPU home agent (`home`, or `home<s>`; coherent model).
    public private(set) var homes: [CPUHomeAgent] = []
    /// The Kona FPGA, when any memory is remote and reached through it.
    public private(set) var fpga: FPGAHomeAgent?
    /// The paging model, when remote memory is paged (`remote.mechanism: paging`).
    public private(set) var paging: PagingHomeAgent?
    /// The network to the remote nodes (the FPGA's or the paging model's).
    public var network: RemoteNetwork? { fpga?.network ?? paging?.network }
    /// Which lines are remote.
    public let placement: RemotePlacement?
    /// The shadow dirty trackers over the system's issued accesses (nil when
    /// `stats.dirty_interval` is 0), and the cores' logs they read.
    public let tracker: DirtyTracker?
    private var issueLogs: [IssueLog] = []
    /// Each socket's DRAM (`memory`, or `memory<s>` with several sockets; one in the private model).
    public let memories: [MainMemory]
    /// Data-value checking (`run.check`).
    public let checker: ValueChecker?
    /// A one-line description of the workload, for summaries.
    public let workloadDescription: String
    /// The waveform tracer, when signals are traced.
    public private(set) var tracer: SignalTracer?
    /// When the last instruction of the last core retired (at least the simulator's now).
    private var endTime: Tick { cores.reduce(simulator.now) { max($0, $1.finishTime) } }
    /// `endTime` as the closure components' statistics read the run's length through.
    private var simulatedTime: () -> Tick { { [unowned self] in self.endTime } }

    /// Builds the system. Traces are opened here (and a Lackey trace's threads found, which
    /// reads it once).
    /// - Throws: `WorkloadError` if a trace cannot be opened, or its threads and
    ///   `workload.placement` do not match.
    public convenience init(config: SimulationConfig) throws(WorkloadError) {
        let count = config.sockets * config.coresPerSocket
        if case .synthetic = config.workload {
            var sources: [any AccessSource] = []
            var description = ""
            for c in 0..<count {
                let (source, text) = try Self.makeSource(config, core: c)
                sources.append(source)
                if c == 0 { description = text }
            }
            if count > 1 {
                description = config.threads < count ? "\(config.threads) of \(count) cores, each " + description
                    : "\(count) cores, each " + description
            }
            self.init(config: config, sources: sources, description: description)
        } else {
            let assignment = try TraceAssignment(config.workload, cores: count)
            self.init(config: config, sources: try assignment.sources(), description: assignment.description)
        }
    }

    /// Builds the system around access streams of the caller's, one per core (missing ones
    /// are empty); lines are split at 64-byte boundaries as for any workload.
    /// `coreTable` replaces the core complexes' table (tests show that a broken entry is caught).
    public init(config: SimulationConfig, sources: [any AccessSource], description: String = "custom access stream",
                coreTable: CoreComplexProtocol.Table? = nil) {
        self.config = config
        workloadDescription = description
        let clock = ClockDomain(hertz: config.coreHertz)
        self.clock = clock
        let stats = self.stats
        let simulator = self.simulator
        var endTime: () -> Tick = { simulator.now }
        let dramCount = config.coherent ? config.sockets : 1
        memories = (0..<dramCount).map {
            MainMemory(path: dramCount == 1 ? "memory" : "memory\($0)", latency: config.memoryLatency,
                       bitsPerSecond: config.memoryBitsPerSecond, stats: stats, simulatedTime: { endTime() })
        }
        checker = config.check ? ValueChecker() : nil
        let count = config.sockets * config.coresPerSocket
        placement = config.fpga.map {
            RemotePlacement(base: $0.rangeBase, size: $0.rangeSize, fraction: $0.remoteFraction, pageSize: $0.pageSize, seed: config.seed)
        }
        tracker = config.dirtyInterval > 0 ? DirtyTracker(interval: config.dirtyInterval) : nil
        func source(_ c: Int) -> any AccessSource {
            LineSplitter(c < sources.count ? sources[c] : AccessList([]))
        }
        if config.coherent {
            buildCoherent(source: source, coreTable: coreTable)
        } else {
            func makeCache(_ path: String, _ level: SimulationConfig.CacheLevel, next: any MemorySide) -> Cache {
                Cache(path: path, sets: level.sets, ways: level.ways,
                      policy: ReplacementPolicy(rawValue: level.replacement)!,
                      latency: clock.ticks(forCycles: level.latencyCycles), mshrs: level.mshrs,
                      targetsPerMSHR: level.mshrTargets, next: next, seed: config.seed, stats: stats)
            }
            l2 = makeCache("cpu0.l2", config.l2, next: memories[0])
            l1d = makeCache("cpu0.l1d", config.l1d, next: l2)
            let core = Core(path: "cpu0", clock: clock, issueRate: config.issueRate, maxOutstanding: config.maxOutstanding,
                            maxAccesses: config.maxAccesses, model: Self.coreModel(config), l1: l1d, source: source(0), stats: stats)
            core.id = simulator.register(core)
            cores = [core]
        }
        precondition(cores.count == count)
        if tracker != nil {
            for core in cores {
                let log = IssueLog()
                core.issueLog = log
                issueLogs.append(log)
            }
        }
        registerMetrics()
        AnalyticalAMAT.register(in: stats, config: config)
        endTime = simulatedTime
    }

    /// Registers the system-wide metrics: AMAT (overall, local, remote), simulated time,
    /// events, and the shadow trackers' amplification.
    private func registerMetrics() {
        let all = cores, complexes = self.complexes, stats = self.stats, simulator = self.simulator
        let endTime = simulatedTime
        stats.formula("amat_ns", "average memory access time over all accesses of all cores", unit: "ns") {
            let n = all.reduce(0) { $0 + $1.accesses }
            return .real(n == 0 ? 0 : Double(all.reduce(0) { $0 + $1.latencySum }) / Double(n) / 1000)
        }
        stats.formula("amat.remote_ns", "average latency of accesses to remote memory (homed by the FPGA)", unit: "ns") {
            let n = complexes.reduce(0) { $0 + $1.remoteAccesses }
            return .real(n == 0 ? 0 : Double(complexes.reduce(0) { $0 + $1.remoteLatencySum }) / Double(n) / 1000)
        }
        stats.formula("amat.local_ns", "average latency of accesses to local memory", unit: "ns") {
            let n = all.reduce(0) { $0 + $1.accesses } - complexes.reduce(0) { $0 + $1.remoteAccesses }
            let sum = all.reduce(0) { $0 + $1.latencySum } - complexes.reduce(0) { $0 + $1.remoteLatencySum }
            return .real(n == 0 ? 0 : Double(sum) / Double(n) / 1000)
        }
        stats.formula("accesses", "accesses issued by all cores", unit: "accesses") { .integer(all.reduce(0) { $0 + $1.accesses }) }
        stats.formula("accesses.remote", "accesses to remote memory", unit: "accesses") { .integer(complexes.reduce(0) { $0 + $1.remoteAccesses }) }
        stats.formula("sim.time_ns", "simulated time at the end of the run", unit: "ns") { .real(Double(endTime()) / 1000) }
        stats.formula("sim.execution_time_ns", "when the last core's last instruction retired (and its accesses had their data)", unit: "ns") {
            .real(Double(all.reduce(0) { max($0, $1.finishTime) }) / 1000)
        }
        stats.formula("sim.events", "events dispatched by the simulator", unit: "events") { .integer(simulator.eventsDispatched) }
        if memories.count > 1 {
            let memories = self.memories
            for (name, doc, read) in [("reads", "lines read, all sockets' DRAM", { (m: MainMemory) in m.reads }),
                                      ("writes", "lines written, all sockets' DRAM", { (m: MainMemory) in m.writes })] {
                stats.formula("memory." + name, doc, unit: "lines") { .integer(memories.reduce(0) { $0 + read($1) }) }
            }
            stats.formula("memory.utilization", "mean over the sockets' DRAM of the fraction of time its channel was busy", unit: "ratio") {
                let t = endTime()
                return .real(t == 0 ? 0 : Double(memories.reduce(0) { $0 + $1.channel.busyTime }) / Double(t) / Double(memories.count))
            }
        }
        guard let tracker else { return }
        for (g, name) in ["64B", "4KiB", "2MiB"].enumerated() {
            stats.formula("tracker.amplification.\(name)", "bytes a \(name) dirty tracker of the system writes back per byte stores modified (summed over stats.dirty_interval intervals of system accesses)", unit: "ratio") {
                .real(tracker.amplification(g))
            }
        }
        stats.formula("tracker.modified_bytes", "distinct bytes stores wrote, summed over intervals", unit: "bytes") {
            .integer(tracker.modifiedBytes)
        }
        stats.formula("tracker.records", "data accesses the trackers saw (all cores; a Lackey M, or an access split at a line boundary, counts one)", unit: "accesses") {
            .integer(tracker.records)
        }
    }

    /// The FPGA's network to the remote memory nodes (`net.*`, `remote.*`), registered with `simulator`.
    static func makeNetwork(_ spec: SimulationConfig.FPGA, simulator: Simulator, stats: StatsRegistry,
                            simulatedTime: @escaping () -> Tick) -> RemoteNetwork {
        RemoteNetwork(path: "net", latency: spec.netLatency, bitsPerSecond: spec.netBitsPerSecond,
                      headerBytes: spec.headerBytes, mtu: spec.mtu, sgEntryBytes: spec.sgEntryBytes,
                      maxOutstanding: spec.netMaxOutstanding, nodes: spec.nodes, nodeLatency: spec.remoteLatency,
                      nodeBitsPerSecond: spec.remoteBitsPerSecond, dmaLatency: spec.dmaLatency,
                      dmaBitsPerSecond: spec.dmaBitsPerSecond, postedWrites: spec.postedWrites,
                      simulator: simulator, stats: stats, simulatedTime: simulatedTime)
    }

    /// Builds the Kona FPGA home agent with its FMem, DRAM and network.
    private func makeFPGA(_ spec: SimulationConfig.FPGA, index: Int, variant: ProtocolVariant, outbox: TimedOutbox) -> FPGAHomeAgent {
        let timeNow = simulatedTime
        let fclock = ClockDomain(hertz: spec.hertz)
        let dram = MainMemory(path: "fpga.fmem", latency: spec.fmemLatency, bitsPerSecond: spec.fmemBitsPerSecond,
                              stats: stats, simulatedTime: timeNow)
        let network = Self.makeNetwork(spec, simulator: simulator, stats: stats, simulatedTime: timeNow)
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
            nodes: RemoteNodeMap(nodes: spec.nodes, striped: spec.striped, partitionSize: spec.partitionSize, blockSize: spec.blockSize))
        return FPGAHomeAgent(path: "fpga", index: index, table: HomeProtocol.fpgaTable(variant), fmem: fmem, dram: dram,
                             network: network, parameters: parameters, outbox: outbox, simulator: simulator, stats: stats)
    }

    /// Builds the paging model: a page cache of `paging.capacity` in socket 0's DRAM, its
    /// directory looked up like a CPU home agent's.
    private func makePaging(_ spec: SimulationConfig.FPGA, _ paging: SimulationConfig.Paging, index: Int,
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
                               network: Self.makeNetwork(spec, simulator: simulator, stats: stats, simulatedTime: simulatedTime), parameters: parameters,
                               lookups: LookupPort(clock: clock, perCycle: config.homeLookupsPerCycle), outbox: outbox,
                               simulator: simulator, stats: stats)
    }

    /// The home of `line`: the FPGA (home number `sockets`) for a remote line, else the CPU
    /// home agent of the socket its interleaving unit falls to.
    public func home(of line: UInt64) -> Int {
        if placement?.isRemote(line) == true { return config.sockets }
        return config.sockets == 1 ? 0 : Int((line << LineGeometry.lineShift) / config.interleave % UInt64(config.sockets))
    }

    /// Builds cores, private cache complexes, LLCs, fabrics, the homes, the links and the FPGA.
    private func buildCoherent(source: (Int) -> any AccessSource, coreTable: CoreComplexProtocol.Table?) {
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
        let homeOf: (UInt64) -> Endpoint = { [unowned self] in .home(self.home(of: $0)) }
        if let spec = config.fpga, let paging = config.paging {
            // The page cache is in socket 0's DRAM, behind its fabric.
            self.paging = makePaging(spec, paging, index: sockets, variant: variant,
                                     outbox: TimedOutbox(toCore: nil, toLLC: (0..<sockets).map { route(0, $0) }, toHome: []))
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
                complex.onDeferredComplete = { [unowned(unsafe) core, unowned(unsafe) simulator] issued, time, missed, ordinal in
                    core.completeDeferred(issuedAt: issued, at: time, missed: missed, ordinal: ordinal, in: simulator)
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
        let router = MessageRouter(complexes: complexes, llcs: llcs, homes: homes, fpga: fpga, paging: paging)
        self.router = router
        for link in fabrics + [fpgaLink, socketLink].compactMap({ $0 }) { link.deliver(to: router) }
    }

    /// What `SimulationConfig` says of how cores execute instructions, as the hardware's type.
    private static func coreModel(_ config: SimulationConfig) -> CoreModel {
        CoreModel(kind: config.inOrder ? .inOrder : .outOfOrder, robSize: config.robSize,
                  ipcNumerator: config.ipcNumerator, ipcDenominator: config.ipcDenominator)
    }

    private static func makeSource(_ config: SimulationConfig, core: Int) throws(WorkloadError) -> (any AccessSource, String) {
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

    /// Traces the signals the config's `trace.signals` selects into `sink` (within
    /// `trace.window`). Call before `run`.
    public func trace(into sink: any TraceSink) {
        let selection = SignalSelection(config.traceSignals)
        let tracer = SignalTracer(sink: sink, selects: selection.selects, window: config.traceWindow)
        for core in cores { core.trace(with: tracer) }
        if let l1d, let l2 {
            l1d.trace(with: tracer)
            l2.trace(with: tracer)
            let lines = config.traceWatch.map { $0 >> LineGeometry.lineShift }
            if !lines.isEmpty {
                l1d.watch(lines, with: tracer)
                l2.watch(lines, with: tracer)
            }
        }
        for complex in complexes { complex.trace(with: tracer) }
        for llc in llcs { llc.trace(with: tracer) }
        let watched = config.traceWatch.map { $0 >> LineGeometry.lineShift }
        if !watched.isEmpty {
            for complex in complexes { complex.watch(watched, with: tracer) }
            for llc in llcs { llc.watch(watched, with: tracer) }
            for (h, home) in homes.enumerated() { home.watch(watched.filter { self.home(of: $0) == h }, with: tracer) }
            fpga?.watch(watched.filter { placement?.isRemote($0) == true }, with: tracer)
        }
        for link in fabrics + [fpgaLink, socketLink].compactMap({ $0 }) { link.trace(with: tracer) }
        for memory in memories { memory.trace(with: tracer) }
        if let fpga {
            fpga.trace(with: tracer)
            fpga.dram.trace(with: tracer)
            fpga.network.trace(with: tracer)
        }
        paging?.network.trace(with: tracer)
        self.tracer = tracer
    }

    /// Progress of a run, reported about once a second of host time.
    public struct Progress: Sendable {
        public var simulatedTime: Tick
        public var accesses: UInt64
        public var hostSeconds: Double
    }

    /// Runs to the end of the workload (or `run.max_time`, or `run.max_accesses`).
    /// - Parameter progress: called about once per host second while running.
    /// - Throws: `SimulationError` (exit 3) or `WorkloadError` for a malformed trace (exit 2).
    public func run(progress: ((Progress) -> Void)? = nil) throws -> Report {
        let start = ContinuousClock.now
        var lastReport = start
        let finalLimit = config.maxTime == 0 ? Tick.max : config.maxTime
        for core in cores { simulator.schedule(at: 0, target: core.id, kind: 1) }      // resume
        var reason: Simulator.StopReason
        repeat {
            let chunkEnd = simulator.now > Tick.max - 10 * Ticks.us ? Tick.max : simulator.now + 10 * Ticks.us
            do {
                reason = try simulator.run(until: min(chunkEnd, finalLimit))
            } catch {
                // Keep the waveform up to the failure: it is what explains it.
                tracer?.finish(at: simulator.now + 1)
                throw error
            }
            tracer?.flush(before: simulator.now)      // nothing can still be recorded earlier
            if let tracker {                                      // nor issued earlier
                for core in cores { core.flushIssueLog() }
                tracker.observe(issueLogs, before: simulator.now)
            }
            if let progress, ContinuousClock.now - lastReport > .seconds(1) {
                lastReport = ContinuousClock.now
                progress(Progress(simulatedTime: simulator.now, accesses: accesses,
                                  hostSeconds: seconds(ContinuousClock.now - start)))
            }
        } while reason == .timeLimit && simulator.now < finalLimit
        let end = reason == .timeLimit ? finalLimit : endTime
        tracer?.finish(at: end)             // before the final checks: a failing one keeps the whole waveform
        for complex in complexes { if let error = complex.takeFailure() { throw error } }
        for core in cores { core.flushIssueLog() }
        tracker?.finish(issueLogs)
        if reason == .drained { try checkFinalValues() }
        for core in cores { if let error = core.workloadError { throw error } }
        let host = seconds(ContinuousClock.now - start)      // including the waveform's last writes
        return Report(simulatedTime: end, hostSeconds: host, accesses: accesses,
                      events: simulator.eventsDispatched, stoppedAtTimeLimit: reason == .timeLimit,
                      values: stats.flatValues())
    }

    /// The value the system holds for `line` once quiet: an owning core's, else a socket's
    /// (dirty, or clean with no core holding it modified), else its home's (FMem or remote
    /// memory for a remote line, DRAM for a local one).
    public func coherentValue(_ line: UInt64) -> UInt64 {
        for complex in complexes where [.E, .M].contains(complex.controller.state(line)) {
            return complex.controller.lines[line]!.data
        }
        for llc in llcs where llc.controller.state(line) != .I {
            return llc.controller.lines[line]!.data
        }
        if let fpga, placement?.isRemote(line) == true {
            return fpga.cachedValue(line) ?? fpga.remoteValue(line)
        }
        if let paging, placement?.isRemote(line) == true {
            return paging.cachedValue(line) ?? paging.remoteValue(line)
        }
        return homes.isEmpty ? 0 : homes[home(of: line)].controller.memory[line] ?? 0
    }

    /// With data-value checking: every line stored to holds its last stored value in the
    /// system (caches, FMem, remote memory, DRAM), and every core's copy agrees.
    /// - Throws: a protocol-violation `SimulationError` naming the first line that does not.
    public func checkFinalValues() throws(SimulationError) {
        guard let checker else { return }
        for line in checker.storedLines {
            let expected = checker.latestValue(line)
            let held = coherentValue(line)
            let stale = complexes.first { [.S, .E, .M].contains($0.controller.state(line)) && $0.controller.lines[line]!.data != expected }
            if held != expected || stale != nil {
                throw SimulationError(.protocolViolation, time: simulator.now, component: "system",
                                      message: "line 0x\(String(line << LineGeometry.lineShift, radix: 16)) holds \(stale.map { "\($0.controller.lines[line]!.data) in \($0.path)" } ?? "\(held)") at the end, but the last value stored is \(expected)")
            }
        }
    }

    /// Accesses issued by all cores.
    public var accesses: UInt64 { cores.reduce(0) { $0 + $1.accesses } }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
