/// A validated configuration of one simulation, in base units (bytes, ps, Hz, bits/s).
///
/// Built from a `ResolvedConfig`; cross-key checks (set counts, footprints) report the
/// offending key's file, line and column.
public struct SimulationConfig: Sendable {
    /// A cache level's geometry and timing.
    public struct CacheLevel: Sendable {
        public var size: UInt64
        public var ways: Int
        public var sets: Int
        public var latencyCycles: UInt64
        public var replacement: String
        public var mshrs: Int
        public var mshrTargets: Int
    }

    /// What the core runs.
    public enum Workload: Sendable {
        /// A generator: `pattern` is the `workload.kind` word.
        case synthetic(pattern: String, accesses: UInt64, footprint: UInt64, base: UInt64, accessSize: UInt32,
                       storeFraction: Double, stride: UInt64, zipfTheta: Double, instructionsPerAccess: ClosedRange<UInt32>)
        /// A recorded trace (Lackey text, plain or gzip, or the binary format), its threads
        /// on cores by `placement`.
        case trace(path: String, placement: ThreadPlacement)
        /// One recorded trace per core (`workload.traces`), by increasing core; every
        /// thread of a file runs on its core.
        case coreTraces([(core: Int, path: String)])
    }

    /// Where a trace's threads run (`workload.placement`).
    public enum ThreadPlacement: Sendable {
        /// The trace's threads, in increasing id order, on cores 0, 1, ... `cores - 1`, wrapping around.
        case roundRobin(cores: Int)
        /// Each listed thread on its core, with where the entry was written (for errors).
        case map([(thread: UInt32, core: Int, origin: Origin)])
    }

    /// A coherent network's timing: header size and, per channel (request, snoop,
    /// response, data), latency in ps and bandwidth in bits/s.
    public struct Network: Sendable {
        public var headerBytes: UInt64
        public var latency: [UInt64]
        public var bitsPerSecond: [UInt64]
    }

    /// The Kona FPGA and its remote memory (`fpga.*`, `net.*`, `remote.*`), in base units.
    public struct FPGA: Sendable {
        public var rangeBase: UInt64
        public var rangeSize: UInt64
        public var remoteFraction: Double
        public var pageSize: UInt64
        public var hertz: UInt64
        public var pipelineCycles: UInt64
        public var directoryCycles: UInt64
        public var lookupsPerCycle: Int
        public var maxOutstanding: Int
        public var dirtyOnGrant: Bool
        public var fmemSize: UInt64
        public var blockSize: UInt64
        public var ways: Int
        public var sets: Int
        public var replacement: String
        public var fmemLatency: UInt64
        public var fmemBitsPerSecond: UInt64
        public var criticalFirst: Bool
        public var highWatermark: Double
        public var lowWatermark: Double
        public var coldestVictim: Bool
        public var scan: Int
        public var wholeBlockWriteback: Bool
        public var batchBytes: UInt64
        public var sgEntries: Int
        public var netLatency: UInt64
        public var netBitsPerSecond: UInt64
        public var headerBytes: UInt64
        public var mtu: UInt64
        public var sgEntryBytes: UInt64
        public var netMaxOutstanding: Int
        /// The NIC's DMA read of a write's payload (`net.dma_*`; bandwidth 0: no DMA stage).
        public var dmaLatency: UInt64
        public var dmaBitsPerSecond: UInt64
        public var nodes: Int
        public var striped: Bool
        public var partitionSize: UInt64
        public var remoteLatency: UInt64
        public var remoteBitsPerSecond: UInt64
        public var postedWrites: Bool
        /// FMem leaves evicted blocks' lines in the CPU caches (`fpga.fmem.inclusion: non_inclusive`).
        public var nonInclusive: Bool
        /// Picoseconds within which a recalled line's re-request counts as an inclusion victim.
        public var inclusionVictimWindow: UInt64
    }

    /// Kona on CXL (`remote.mechanism: cxl`, `cxl.*`), in base units: the link and the snoop filter.
    public struct CXL: Sendable {
        /// `hdm_h`: a host-only coherent memory expander, whose DRAM holds the whole range (no
        /// snoop filter, no FMem misses, no remote node); otherwise HDM-DB, Kona on CXL.
        public var hostOnlyCoherent: Bool
        /// `256`, `256-latency-optimized` or `68`.
        public var flit: String
        public var linkBitsPerSecond: UInt64
        public var latencyToDevice: UInt64
        public var latencyToHost: UInt64
        public var switchHops: Int
        public var switchLatency: UInt64
        public var credits: Int
        public var snoopFilterEntries: Int
        public var snoopFilterWays: Int
        /// `lru`, `fifo` or `random`.
        public var snoopFilterReplacement: String
    }

    /// The paging model of remote memory (`remote.mechanism: paging`, `paging.*`), in base units.
    public struct Paging: Sendable {
        public var pageSize: UInt64
        public var capacity: UInt64
        public var faultLatency: UInt64
        public var mapLatency: UInt64
        public var wpFaultLatency: UInt64
        public var writebackLatency: UInt64
        public var maxFaults: Int
        public var readahead: Int
        public var highWatermark: Double
        public var lowWatermark: Double
        public var lru: Bool
        public var scan: Int
        public var batch: Int
        public var shootdownLatency: UInt64
        public var shootdownPerCore: UInt64
        public var shootdownHandler: UInt64
        /// Pages in the page cache.
        public var frames: Int { Int(capacity / pageSize) }
    }

    public var seed: UInt64
    /// The paging model, when remote memory is paged (`fpga` then still gives which memory is
    /// remote, the network and the nodes).
    public var paging: Paging?
    /// Kona on CXL, when remote memory is reached through a CXL device (`fpga` then gives FMem,
    /// the eviction engine, which memory is remote, the network and the nodes).
    public var cxl: CXL?
    /// The FPGA, when any memory is remote (`fpga.range.size` or `memory.remote_fraction`).
    public var fpga: FPGA?
    /// Data accesses per shadow-tracker interval (0: trackers off).
    public var dirtyInterval: UInt64
    /// `coherent` or `private` (`system.model`).
    public var coherent: Bool
    public var sockets: Int
    public var coresPerSocket: Int
    /// Data-value checking (`run.check`).
    public var check: Bool
    public var grantExclusive: Bool
    public var silentCleanEviction: Bool
    public var llc: CacheLevel
    /// LLC slices per socket (`llc.slices`, 0 resolved to one per core) and lookups each accepts per cycle.
    public var llcSlices: Int
    /// Entries of each LLC's writeback buffer.
    public var llcWritebackBuffer: Int
    public var llcLookupsPerCycle: Int
    public var homeLookupsPerCycle: Int
    public var fabric: Network
    /// The coherent link to the FPGA, and the link between sockets.
    public var fpgaLink: Network
    public var socketLink: Network
    /// Granularity of local memory's interleaving across sockets' homes (bytes).
    public var interleave: UInt64
    public var directoryLatency: UInt64
    public var coreHertz: UInt64
    public var issueRate: Int
    public var maxOutstanding: Int
    /// `core.model`: in order (true) or out of order.
    public var inOrder: Bool
    /// `core.ipc` as the fraction `ipcNumerator / ipcDenominator`, in lowest terms.
    public var ipcNumerator: UInt64
    public var ipcDenominator: UInt64
    public var robSize: Int
    public var l1d: CacheLevel
    public var l2: CacheLevel
    public var memoryLatency: UInt64
    public var memoryBitsPerSecond: UInt64
    public var workload: Workload
    public var maxTime: UInt64
    public var maxAccesses: UInt64
    /// Sampled simulation, when on (`run.sampling.*`).
    public var sampling: SamplingSpec?
    /// Cores that run a synthetic workload (the first ones; `workload.threads`, 0 in the file
    /// for all); 1 for a trace, whose cores `workload` says.
    public var threads: Int
    /// Waveform output: a VCD path (nil for none), signal globs, a time window, a time unit in ps.
    public var traceVCD: String?
    public var traceSignals: [String]
    public var traceWindow: ClosedRange<UInt64>?
    public var traceTimescale: UInt64
    /// Byte addresses whose line states are traced.
    public var traceWatch: [UInt64]
    /// The resolved keys this was built from (for printing and provenance).
    public let resolved: ResolvedConfig

    /// Validates `config` and builds the typed view.
    public init(_ given: ResolvedConfig) throws(ConfigError) {
        let config = given.applyingDRAMPresets()
        resolved = config
        for prefix in ResolvedConfig.dramPrefixes { try config.checkDRAM(prefix) }
        seed = UInt64(config.integer("seed"))
        coreHertz = config.quantity("core.frequency")
        issueRate = Int(config.integer("core.issue_rate"))
        maxOutstanding = Int(config.integer("core.max_outstanding"))
        inOrder = config.string("core.model") == "in_order"
        robSize = Int(config.integer("core.rob_size"))
        (ipcNumerator, ipcDenominator) = try Self.ipc(config)
        l1d = try Self.cache("core.l1d", config)
        l2 = try Self.cache("core.l2", config)
        coherent = config.string("system.model") == "coherent"
        sockets = Int(config.integer("system.sockets"))
        coresPerSocket = Int(config.integer("system.cores_per_socket"))
        check = config.boolean("run.check")
        grantExclusive = config.boolean("protocol.grant_exclusive")
        silentCleanEviction = config.string("protocol.clean_eviction") == "silent"
        llc = try Self.cache("llc", config, replacement: "lru", mshrs: 0, targets: 0)
        let slices = Int(config.integer("llc.slices"))
        llcSlices = slices == 0 ? Int(config.integer("system.cores_per_socket")) : slices
        llcLookupsPerCycle = Int(config.integer("llc.lookups_per_cycle"))
        llcWritebackBuffer = Int(config.integer("llc.writeback_buffer"))
        homeLookupsPerCycle = Int(config.integer("home.lookups_per_cycle"))
        fabric = Self.network("fabric", config)
        fpgaLink = Self.network("link.fpga", config)
        socketLink = Self.network("link.socket", config)
        interleave = config.quantity("memory.interleave")
        directoryLatency = config.quantity("home.directory_latency")
        if !coherent && (sockets != 1 || coresPerSocket != 1) {
            let key = sockets != 1 ? "system.sockets" : "system.cores_per_socket"
            if config.origin(key) != .defaultValue {
                throw config.error(key, "the private model has one core; set system.model: coherent for more")
            }
            sockets = 1
            coresPerSocket = 1
        }
        if check && !coherent { throw config.error("run.check", "data-value checking needs system.model: coherent") }
        dirtyInterval = UInt64(config.integer("stats.dirty_interval"))
        fpga = try Self.fpga(config, coherent: coherent)
        paging = try Self.paging(config, remote: fpga)
        cxl = try Self.cxl(config, remote: fpga)
        memoryLatency = config.quantity("memory.latency")
        memoryBitsPerSecond = config.quantity("memory.bandwidth")
        guard memoryBitsPerSecond > 0 else { throw config.error("memory.bandwidth", "must be greater than 0") }
        maxTime = config.quantity("run.max_time")
        maxAccesses = UInt64(config.integer("run.max_accesses"))
        sampling = try SamplingSpec.read(config)
        let cores = coherent ? sockets * coresPerSocket : 1
        let threads = Int(config.integer("workload.threads"))
        guard threads <= cores else {
            throw config.error("workload.threads", "\(threads) threads, but the system has \(cores) core\(cores == 1 ? "" : "s")")
        }
        self.threads = config.string("workload.kind") == "lackey" ? 1 : threads == 0 ? cores : threads
        let vcd = config.string("trace.vcd")
        traceVCD = vcd.isEmpty ? nil : vcd
        traceSignals = config.string("trace.signals").split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        guard !traceSignals.isEmpty else { throw config.error("trace.signals", "needs at least one glob, e.g. '*'") }
        traceTimescale = try! Units.duration(config.string("trace.timescale"))
        traceWatch = []
        for item in config.string("trace.watch").split(separator: ",") {
            let text = String(item).trimmingSpaces
            let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            guard let value else {
                throw config.error("trace.watch", "'\(text)' is not an address (decimal, or hex with 0x)")
            }
            traceWatch.append(value)
        }
        let window = config.string("trace.window")
        if window.isEmpty {
            traceWindow = nil
        } else {
            let parts: [String] = window.firstRange(of: "..").map { [String(window[..<$0.lowerBound]), String(window[$0.upperBound...])] } ?? []
            guard parts.count == 2 else { throw config.error("trace.window", "expected FROM..TO, e.g. 10us..20us, got '\(window)'") }
            let from: UInt64, to: UInt64
            do {
                from = try Units.duration(parts[0])
                to = try Units.duration(parts[1])
            } catch {
                throw config.error("trace.window", error.message)
            }
            guard from <= to else { throw config.error("trace.window", "the window ends before it starts") }
            traceWindow = from...to
        }
        let kind = config.string("workload.kind")
        if kind == "lackey" {
            workload = try Self.traceWorkload(config, cores: cores)
        } else {
            let footprint = config.quantity("workload.footprint")
            let size = config.quantity("workload.access_size")
            guard size <= 4096 else { throw config.error("workload.access_size", "\(Units.formatBytes(size)) is above the maximum 4KiB") }
            guard footprint >= size else {
                throw config.error("workload.footprint", "\(Units.formatBytes(footprint)) is smaller than workload.access_size (\(Units.formatBytes(size)))")
            }
            if kind == "pointer_chase" {
                guard footprint / 64 <= UInt64(UInt32.max) else {
                    throw config.error("workload.footprint", "pointer_chase supports at most 2^32 lines (256GiB)")
                }
            }
            let instructions = config.distribution("workload.instructions_per_access")
            workload = .synthetic(pattern: kind, accesses: UInt64(config.integer("workload.accesses")),
                                  footprint: footprint, base: config.quantity("workload.base"),
                                  accessSize: UInt32(size), storeFraction: config.real("workload.store_fraction"),
                                  stride: config.quantity("workload.stride"), zipfTheta: config.real("workload.zipf_theta"),
                                  instructionsPerAccess: UInt32(instructions.lower)...UInt32(instructions.upper))
        }
    }

    /// `workload.trace` with `workload.placement`, or `workload.traces`; cores named must exist.
    private static func traceWorkload(_ config: ResolvedConfig, cores: Int) throws(ConfigError) -> Workload {
        func coreIndex(_ name: String, _ entry: ConfigEntry, _ key: String, _ what: String) throws(ConfigError) -> Int {
            let n = Int(name.dropFirst(3))!
            guard n < cores else {
                throw ConfigError(at: entry.origin, keyPath: key,
                                  problem: "\(what) on \(name), but the system has \(cores) core\(cores == 1 ? "" : "s") (cpu0\(cores > 1 ? "...cpu\(cores - 1)" : ""))")
            }
            return n
        }
        let path = config.string("workload.trace")
        let files = config.entries("workload.traces")
        let placementIsMap = config.isMapping("workload.placement")
        if !files.isEmpty {
            guard path.isEmpty else {
                throw config.error("workload.traces", "give workload.trace or workload.traces, not both (workload.trace is \(path))")
            }
            guard !placementIsMap else {
                throw config.error("workload.placement", "applies to workload.trace; with workload.traces every thread of a file runs on its core")
            }
            var list: [(core: Int, path: String)] = []
            for entry in files {
                list.append((try coreIndex(entry.key, entry, "workload.traces", "a trace"), entry.value))
            }
            return .coreTraces(list.sorted { $0.core < $1.core })
        }
        guard !path.isEmpty else {
            throw config.error("workload.kind", "lackey needs workload.trace (or `konasim run --trace FILE`)")
        }
        if placementIsMap {
            var map: [(thread: UInt32, core: Int, origin: Origin)] = []
            for entry in config.entries("workload.placement") {
                map.append((UInt32(entry.key)!, try coreIndex(entry.value, entry, "workload.placement", "thread \(entry.key)"), entry.origin))
            }
            return .trace(path: path, placement: .map(map.sorted { $0.thread < $1.thread }))
        }
        let threads = Int(config.integer("workload.threads"))
        return .trace(path: path, placement: .roundRobin(cores: threads == 0 ? cores : threads))
    }

    /// `core.ipc` as a fraction in lowest terms (thousandths at the finest).
    private static func ipc(_ config: ResolvedConfig) throws(ConfigError) -> (UInt64, UInt64) {
        let ipc = config.real("core.ipc")
        guard ipc > 0 else { throw config.error("core.ipc", "must be greater than 0 (instructions per cycle)") }
        let thousandths = (ipc * 1000).rounded()
        guard abs(ipc * 1000 - thousandths) < 1e-6 else {
            throw config.error("core.ipc", "\(ipc) has more than three decimals")
        }
        var a = UInt64(thousandths), b: UInt64 = 1000
        while b != 0 { (a, b) = (b, a % b) }
        return (UInt64(thousandths) / a, 1000 / a)
    }

    private static func fpga(_ config: ResolvedConfig, coherent: Bool) throws(ConfigError) -> FPGA? {
        let size = config.quantity("fpga.range.size"), fraction = config.real("memory.remote_fraction")
        guard size > 0 || fraction > 0 else { return nil }
        guard coherent else {
            throw config.error(size > 0 ? "fpga.range.size" : "memory.remote_fraction",
                               "remote memory needs the FPGA, which needs system.model: coherent")
        }
        let block = config.quantity("fpga.fmem.block_size")
        guard block <= 2 << 20 else { throw config.error("fpga.fmem.block_size", "\(Units.formatBytes(block)) is above the maximum 2MiB") }
        // A block is remote memory as a whole: it must not cover local bytes.
        let page = config.quantity("memory.page_size")
        if fraction > 0 && fraction < 1 && block > page {
            throw config.error("fpga.fmem.block_size", "\(Units.formatBytes(block)) blocks are larger than memory.page_size (\(Units.formatBytes(page)), \(Self.place(config.origin("memory.page_size")))): with memory.remote_fraction \(fraction) (\(Self.place(config.origin("memory.remote_fraction")))) a block would span local pages; use a block_size of at most the page size, or remote_fraction 1")
        }
        if size > 0 {
            let base = config.quantity("fpga.range.base")
            for (key, value) in [("fpga.range.base", base), ("fpga.range.size", size)] where value % block != 0 {
                throw config.error(key, "\(Units.formatBytes(value)) is not a multiple of fpga.fmem.block_size (\(Units.formatBytes(block)), \(Self.place(config.origin("fpga.fmem.block_size")))): the range would end inside a block")
            }
        }
        let fmem = config.quantity("fpga.fmem.size")
        let ways = Int(config.integer("fpga.fmem.ways"))
        let setBytes = UInt64(ways) * block
        guard fmem % setBytes == 0, (fmem / setBytes).nonzeroBitCount == 1 else {
            throw config.error("fpga.fmem.size", "\(Units.formatBytes(fmem)) / (\(ways) ways x \(Units.formatBytes(block)) blocks) must be a whole power of two (sets)")
        }
        guard fmem / block < 1 << 31 else {
            throw config.error("fpga.fmem.size", "\(Units.formatBytes(fmem)) holds \(fmem / block) blocks of \(Units.formatBytes(block)); at most 2^31 - 1 frames are modelled (use a larger fpga.fmem.block_size)")
        }
        let high = config.real("fpga.eviction.high_watermark"), low = config.real("fpga.eviction.low_watermark")
        guard low <= high else {
            throw config.error("fpga.eviction.low_watermark", "\(low) is above fpga.eviction.high_watermark (\(high))")
        }
        let netBandwidth = config.quantity("net.bandwidth")
        guard netBandwidth > 0 else { throw config.error("net.bandwidth", "must be greater than 0") }
        let dmaLatency = config.quantity("net.dma_latency"), dmaBandwidth = config.quantity("net.dma_bandwidth")
        guard dmaLatency == 0 || dmaBandwidth > 0 else {
            throw config.error("net.dma_latency", "needs net.dma_bandwidth greater than 0 (0 means no DMA stage)")
        }
        return FPGA(rangeBase: config.quantity("fpga.range.base"), rangeSize: size, remoteFraction: fraction,
                    pageSize: config.quantity("memory.page_size"), hertz: config.quantity("fpga.frequency"),
                    pipelineCycles: UInt64(config.integer("fpga.pipeline_latency")),
                    directoryCycles: UInt64(config.integer("fpga.directory_latency")),
                    lookupsPerCycle: Int(config.integer("fpga.lookups_per_cycle")),
                    maxOutstanding: Int(config.integer("fpga.max_outstanding")),
                    dirtyOnGrant: config.boolean("fpga.dirty_on_grant"), fmemSize: fmem, blockSize: block, ways: ways,
                    sets: Int(fmem / setBytes), replacement: config.string("fpga.fmem.replacement"),
                    fmemLatency: config.quantity("fpga.fmem.latency"), fmemBitsPerSecond: config.quantity("fpga.fmem.bandwidth"),
                    criticalFirst: config.string("fpga.fmem.fetch") == "critical_first", highWatermark: high, lowWatermark: low,
                    coldestVictim: config.string("fpga.eviction.victim") == "coldest",
                    scan: Int(config.integer("fpga.eviction.scan")),
                    wholeBlockWriteback: config.string("fpga.eviction.writeback") == "whole_block",
                    batchBytes: config.quantity("fpga.eviction.batch"), sgEntries: Int(config.integer("fpga.eviction.sg_entries")),
                    netLatency: config.quantity("net.latency"), netBitsPerSecond: netBandwidth,
                    headerBytes: config.quantity("net.header_bytes"), mtu: config.quantity("net.mtu"),
                    sgEntryBytes: config.quantity("net.sg_entry_bytes"), netMaxOutstanding: Int(config.integer("net.max_outstanding")),
                    dmaLatency: dmaLatency, dmaBitsPerSecond: dmaBandwidth,
                    nodes: Int(config.integer("remote.nodes")), striped: config.string("remote.placement") == "striped",
                    partitionSize: config.quantity("remote.partition_size"), remoteLatency: config.quantity("remote.latency"),
                    remoteBitsPerSecond: config.quantity("remote.bandwidth"), postedWrites: config.boolean("remote.posted_writes"),
                    nonInclusive: config.string("fpga.fmem.inclusion") == "non_inclusive",
                    inclusionVictimWindow: config.quantity("fpga.inclusion_victim_window"))
    }

    /// The first key under `prefix`, in the schema's order, set to other than its default (at
    /// its default a key changes nothing: `--print-resolved` writes every key, and its output
    /// must load again).
    private static func firstChanged(under prefix: String, _ config: ResolvedConfig) throws(ConfigError) -> String? {
        let defaults = try ConfigLoader(schema: config.schema).defaults(under: prefix)
        return config.schema.keys.lazy.map(\.path).first {
            $0.hasPrefix(prefix) && config.origin($0) != .defaultValue && config.text($0) != defaults.text($0)
        }
    }

    /// Kona on CXL's settings; a `cxl.*` key set to other than its default while remote memory is
    /// reached otherwise is an error.
    private static func cxl(_ config: ResolvedConfig, remote: FPGA?) throws(ConfigError) -> CXL? {
        guard config.string("remote.mechanism") == "cxl" else {
            if let key = try firstChanged(under: "cxl.", config) {
                throw config.error(key, "a CXL setting, but remote.mechanism is \(config.string("remote.mechanism")): set remote.mechanism: cxl or remove it")
            }
            return nil
        }
        guard remote != nil else {
            throw config.error("remote.mechanism", "cxl needs remote memory: set memory.remote_fraction or fpga.range")
        }
        let hostOnly = config.string("cxl.coherence") == "hdm_h"
        let flit = config.string("cxl.link.flit")
        if flit == "68" && !hostOnly {
            throw config.error("cxl.link.flit", "68-byte flits have no back-invalidation channels, which HDM-DB (cxl.coherence: hdm_db) needs: use 256 or 256-latency-optimized, or cxl.coherence: hdm_h (a memory expander)")
        }
        if hostOnly {
            if let key = try firstChanged(under: "cxl.snoop_filter.", config) {
                throw config.error(key, "a snoop filter setting, but cxl.coherence is hdm_h (\(Self.place(config.origin("cxl.coherence")))), whose device keeps no snoop filter: remove it, or use cxl.coherence: hdm_db")
            }
        }
        let entries = Int(config.integer("cxl.snoop_filter.entries")), ways = Int(config.integer("cxl.snoop_filter.ways"))
        guard entries >= ways else {
            throw config.error("cxl.snoop_filter.entries", "\(entries) entries are fewer than one set of cxl.snoop_filter.ways (\(ways))")
        }
        let sets = entries / ways
        guard entries % ways == 0 && sets & (sets - 1) == 0 else {
            throw config.error("cxl.snoop_filter.entries", "\(entries) entries in sets of \(ways) ways: the number of sets must be a whole power of two")
        }
        let bandwidth = config.quantity("cxl.link.bandwidth")
        guard bandwidth > 0 else { throw config.error("cxl.link.bandwidth", "must be greater than 0") }
        return CXL(hostOnlyCoherent: hostOnly, flit: flit, linkBitsPerSecond: bandwidth, latencyToDevice: config.quantity("cxl.link.latency_to_device"),
                   latencyToHost: config.quantity("cxl.link.latency_to_host"), switchHops: Int(config.integer("cxl.link.switch_hops")),
                   switchLatency: config.quantity("cxl.link.switch_latency"), credits: Int(config.integer("cxl.link.credits")),
                   snoopFilterEntries: entries, snoopFilterWays: ways, snoopFilterReplacement: config.string("cxl.snoop_filter.replacement"))
    }

    private static func paging(_ config: ResolvedConfig, remote: FPGA?) throws(ConfigError) -> Paging? {
        guard config.string("remote.mechanism") == "paging" else { return nil }
        guard let remote else {
            throw config.error("remote.mechanism", "paging needs remote memory: set memory.remote_fraction or fpga.range")
        }
        let page = config.quantity("paging.page_size")
        guard page == 4096 || page == 2 << 20 else {
            throw config.error("paging.page_size", "\(Units.formatBytes(page)) is not a page size: use 4KiB or 2MiB")
        }
        if remote.remoteFraction > 0 && remote.remoteFraction < 1 && page > remote.pageSize {
            throw config.error("paging.page_size", "\(Units.formatBytes(page)) pages are larger than memory.page_size (\(Units.formatBytes(remote.pageSize)), \(Self.place(config.origin("memory.page_size")))): with memory.remote_fraction \(remote.remoteFraction) a page would span local memory; use memory.page_size of at least the page size, or remote_fraction 1")
        }
        if remote.rangeSize > 0 {
            for (key, value) in [("fpga.range.base", remote.rangeBase), ("fpga.range.size", remote.rangeSize)] where value % page != 0 {
                throw config.error(key, "\(Units.formatBytes(value)) is not a multiple of paging.page_size (\(Units.formatBytes(page))): the range would end inside a page")
            }
        }
        let capacity = config.quantity("paging.capacity")
        guard capacity % page == 0 else {
            throw config.error("paging.capacity", "\(Units.formatBytes(capacity)) is not a whole number of \(Units.formatBytes(page)) pages")
        }
        let high = config.real("paging.reclaim.high_watermark"), low = config.real("paging.reclaim.low_watermark")
        guard low <= high else {
            throw config.error("paging.reclaim.low_watermark", "\(low) is above paging.reclaim.high_watermark (\(high))")
        }
        return Paging(pageSize: page, capacity: capacity, faultLatency: config.quantity("paging.fault_latency"),
                      mapLatency: config.quantity("paging.map_latency"), wpFaultLatency: config.quantity("paging.wp_fault_latency"),
                      writebackLatency: config.quantity("paging.writeback_latency"),
                      maxFaults: Int(config.integer("paging.max_faults")), readahead: Int(config.integer("paging.readahead")),
                      highWatermark: high, lowWatermark: low, lru: config.string("paging.reclaim.victim") == "lru",
                      scan: Int(config.integer("paging.reclaim.scan")), batch: Int(config.integer("paging.reclaim.batch")),
                      shootdownLatency: config.quantity("paging.shootdown.latency"),
                      shootdownPerCore: config.quantity("paging.shootdown.per_core"),
                      shootdownHandler: config.quantity("paging.shootdown.handler"))
    }

    /// Where a value was set, for an error that names a second key.
    private static func place(_ origin: Origin) -> String {
        origin == .defaultValue ? "the default" : "set at \(origin)"
    }

    private static func network(_ prefix: String, _ config: ResolvedConfig) -> Network {
        let channels = ["request", "snoop", "response", "data"]
        return Network(headerBytes: config.quantity(prefix + ".header_bytes"),
                       latency: channels.map { config.quantity("\(prefix).\($0).latency") },
                       bitsPerSecond: channels.map { config.quantity("\(prefix).\($0).bandwidth") })
    }

    private static func cache(_ prefix: String, _ config: ResolvedConfig, replacement: String? = nil, mshrs: Int? = nil,
                              targets: Int? = nil) throws(ConfigError) -> CacheLevel {
        let size = config.quantity(prefix + ".size")
        let ways = Int(config.integer(prefix + ".ways"))
        let lineBytes = UInt64(ways) * 64
        guard size % lineBytes == 0 else {
            throw config.error(prefix + ".size", "\(Units.formatBytes(size)) is not a multiple of ways x 64 B (\(lineBytes) B)")
        }
        let sets = size / lineBytes
        guard sets.nonzeroBitCount == 1 else {
            throw config.error(prefix + ".size", "\(Units.formatBytes(size)) / (\(ways) ways x 64 B) = \(sets) sets, not a power of two")
        }
        return CacheLevel(size: size, ways: ways, sets: Int(sets),
                          latencyCycles: UInt64(config.integer(prefix + ".latency")),
                          replacement: replacement ?? config.string(prefix + ".replacement"),
                          mshrs: mshrs ?? Int(config.integer(prefix + ".mshrs")),
                          mshrTargets: targets ?? Int(config.integer(prefix + ".mshr_targets")))
    }
}
