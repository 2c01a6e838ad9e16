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
    public internal(set) var cores: [any IssuingCore] = []
    /// The private model's caches (nil in the coherent model).
    public internal(set) var l1d, l2: Cache!
    /// Each core's private caches (coherent model).
    public internal(set) var complexes: [PrivateCacheComplex] = []
    /// Each socket's LLC (coherent model).
    public internal(set) var llcs: [SocketLLC] = []
    /// Each socket's on-die fabric (`fabric`, or `fabric<s>`), the coherent link to the FPGA
    /// (`link.fpga`, with an FPGA) and the link between sockets (`link.socket`, with several).
    public internal(set) var fabrics: [Interconnect] = []
    public internal(set) var fpgaLink: Interconnect?
    public internal(set) var socketLink: Interconnect?
    /// Delivers the interconnects' messages (they hold it unretained).
    var router: MessageRouter?
    /// Each socket's CPU home agent (`home`, or `home<s>`; coherent model).
    public internal(set) var homes: [CPUHomeAgent] = []
    /// The Kona FPGA, when any memory is remote and reached through it.
    public internal(set) var fpga: FPGAHomeAgent?
    /// The paging model, when remote memory is paged (`remote.mechanism: paging`).
    public internal(set) var paging: PagingHomeAgent?
    /// Kona on CXL's host bridge, with its device (`remote.mechanism: cxl`).
    public internal(set) var cxl: CXLHostBridge?
    /// The home of remote memory, whichever mechanism (the FPGA or the paging model).
    public var remoteHome: RemoteHomeAgent? { fpga ?? paging }
    /// The network to the remote nodes (the remote home's, or the CXL device's).
    public var network: RemoteNetwork? { remoteHome?.network ?? cxl?.device.network }
    /// Which lines are remote.
    public let placement: RemotePlacement?
    /// The shadow dirty trackers over the system's issued accesses (nil when
    /// `stats.dirty_interval` is 0), and the cores' logs they read.
    public let tracker: DirtyTracker?
    var issueLogs: [IssueLog] = []
    /// Each socket's DRAM (`memory`, or `memory<s>` with several sockets; one in the private model).
    public let memories: [MainMemory]
    /// Data-value checking (`run.check`).
    public let checker: ValueChecker?
    /// A one-line description of the workload, for summaries.
    public let workloadDescription: String
    /// The waveform tracer, when signals are traced.
    public internal(set) var tracer: SignalTracer?
    /// When the last instruction of the last core retired (at least the simulator's now).
    var endTime: Tick { cores.reduce(simulator.now) { max($0, $1.finishTime) } }
    /// `endTime` as the closure components' statistics read the run's length through.
    var simulatedTime: () -> Tick { { [unowned self] in self.endTime } }

    /// Builds the system. Traces are opened here (and a Lackey trace's threads found, which
    /// reads it once).
    /// - Throws: `WorkloadError` if a trace cannot be opened, or its threads and
    ///   `workload.placement` do not match.
    public convenience init(config: SimulationConfig) throws(WorkloadError) {
        let (sources, description) = try Self.workloadSources(config)
        self.init(config: config, sources: sources, description: description)
    }

    /// The config's workload as one access stream per core (traces opened, a Lackey trace's
    /// threads found), and its description for the summary.
    public static func workloadSources(_ config: SimulationConfig) throws(WorkloadError) -> ([any AccessSource], String) {
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
            return (sources, description)
        }
        let assignment = try TraceAssignment(config.workload, cores: count)
        return (try assignment.sources(), assignment.description)
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
            Self.makeMemory(path: dramCount == 1 ? "memory" : "memory\($0)", prefix: "memory", config: config,
                            latency: config.memoryLatency, bitsPerSecond: config.memoryBitsPerSecond, stats: stats,
                            simulatedTime: { endTime() })
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

    /// The home of `line`: the FPGA (home number `sockets`) for a remote line, else the CPU
    /// home agent of the socket its interleaving unit falls to.
    public func home(of line: UInt64) -> Int {
        if placement?.isRemote(line) == true { return config.sockets }
        return config.sockets == 1 ? 0 : Int((line << LineGeometry.lineShift) / config.interleave % UInt64(config.sockets))
    }
}
