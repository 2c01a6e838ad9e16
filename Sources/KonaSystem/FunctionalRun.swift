import KonaConfig
import KonaEngine
import KonaHardware
import KonaProtocol
import KonaWorkloads

/// Runs a config's workload on the functional model (`FunctionalSystem`): the cores'
/// accesses, split at 64-byte lines, applied one at a time in the order the cores would
/// issue them without stalls: the core whose next access comes first by its position in
/// its own stream (instructions before it, at least one per access; equal positions in
/// core order), which is round robin for streams without instructions.
///
/// Supports the coherent system with CPU homes and the Kona FPGA or the paging home; the CXL
/// home and the private model are refused (`FunctionalRun.unsupported`).
/// - Complexity: O(cores) per access to choose the core, plus the access's work.
public final class FunctionalRun {
    /// The model the run drives.
    public let system: FunctionalSystem
    private var streams: IssueStreams
    /// The shadow dirty trackers (`stats.dirty_interval` > 0), fed every access in the
    /// functional model's order: amplification over the whole run, exact on one core. They
    /// read the accesses on a thread of their own (`TrackerFeed`); reading them waits for it.
    public var tracker: DirtyTracker? { feed?.tracker }
    private let feed: TrackerFeed?
    /// Whether remote memory is paged (accesses go through the page table: `pagedAccess`).
    private let paged: Bool

    /// Why `config` cannot run functionally, or nil if it can.
    public static func unsupported(_ config: SimulationConfig) -> String? {
        if !config.coherent { return "system.model: private (the functional model is of the coherent system)" }
        if let cxl = config.cxl {
            return cxl.hostOnlyCoherent
                ? "remote.mechanism: cxl with cxl.coherence: hdm_h (the functional model has no CXL home yet: it would count the expander as Kona's FPGA, with FMem misses and a remote node it does not have)"
                : "remote.mechanism: cxl with cxl.coherence: hdm_db (the functional model has no CXL home yet: no device snoop filter, no back-invalidation)"
        }
        return nil
    }

    /// The functional model of `config` over `sources` (one per core; missing ones are empty).
    public init(config: SimulationConfig, sources: [any AccessSource]) {
        precondition(Self.unsupported(config) == nil, Self.unsupported(config) ?? "")
        let variant = ProtocolVariant(grantExclusive: config.grantExclusive, silentCleanEviction: config.silentCleanEviction)
        let parameters = FunctionalSystem.Parameters(
            sockets: config.sockets, coresPerSocket: config.coresPerSocket,
            l1: (config.l1d.sets, config.l1d.ways), l2: (config.l2.sets, config.l2.ways), llc: (config.llc.sets, config.llc.ways),
            llcWritebackBuffer: config.llcWritebackBuffer, interleave: config.interleave, variant: variant, seed: config.seed)
        let remote = config.paging != nil ? nil : config.fpga.map { spec in
            FunctionalSystem.RemoteParameters(
                sets: spec.sets, ways: spec.ways, blockSize: spec.blockSize, policy: FrameCache.Policy(rawValue: spec.replacement)!,
                dirtyOnGrant: spec.dirtyOnGrant, wholeBlock: spec.wholeBlockWriteback, criticalFirst: spec.criticalFirst,
                batchBytes: spec.batchBytes, sgEntries: spec.sgEntries, sgEntryBytes: spec.sgEntryBytes,
                headerBytes: spec.headerBytes, mtu: spec.mtu, highWatermark: spec.highWatermark,
                lowWatermark: spec.lowWatermark, coldestVictim: spec.coldestVictim, scan: spec.scan)
        }
        let placement = config.fpga.map {
            RemotePlacement(base: $0.rangeBase, size: $0.rangeSize, fraction: $0.remoteFraction, pageSize: $0.pageSize, seed: config.seed)
        }
        let paging = config.paging.flatMap { paging in
            config.fpga.map { spec in
                FunctionalSystem.PagingParameters(
                    placement: placement!, pageSize: paging.pageSize, frames: paging.frames, lru: paging.lru,
                    highWatermark: paging.highWatermark, lowWatermark: paging.lowWatermark, scan: paging.scan,
                    batch: paging.batch, readahead: paging.readahead, maxFaults: paging.maxFaults,
                    headerBytes: spec.headerBytes, mtu: spec.mtu, sgEntryBytes: spec.sgEntryBytes,
                    cores: config.sockets * config.coresPerSocket)
            }
        }
        paged = paging != nil
        system = FunctionalSystem(parameters, remote: remote, placement: placement, paging: paging)
        let count = config.sockets * config.coresPerSocket
        streams = IssueStreams(sources: (0..<count).map { LineSplitter($0 < sources.count ? sources[$0] : AccessList([])) },
                               maxAccesses: config.maxAccesses)
        feed = config.dirtyInterval > 0 ? TrackerFeed(interval: config.dirtyInterval) : nil
    }

    /// The functional model of `config` over its own workload.
    public convenience init(config: SimulationConfig) throws(WorkloadError) {
        self.init(config: config, sources: try Simulation.workloadSources(config).0)
    }

    /// Applies up to `limit` accesses (all, by default); returns how many it applied.
    /// - Throws: `SimulationError` for a protocol violation, `WorkloadError` for a malformed trace.
    @discardableResult
    public func run(limit: UInt64 = .max) throws -> UInt64 {
        var streams = IssueStreams(sources: [], maxAccesses: 0)
        swap(&streams, &self.streams)                 // worked on as a local: no exclusivity checks
        defer { swap(&streams, &self.streams) }
        let applied: UInt64
        do {
            applied = try system.apply(&streams, limit: limit, paged: paged, feed: feed.map { feed in { feed.append($0) } })
        } catch {
            throw error.asSimulationError(at: 0)
        }
        let ended = applied < limit
        if let failure = streams.failure { throw failure }
        if ended { feed?.finish() }
        return applied
    }

    /// Core `core`'s next `count` accesses (fewer at the end of its stream), which stay to be
    /// applied: a sampled run's detailed window replays them.
    public func upcoming(_ count: Int, core: Int) -> [MemoryAccess] { streams.upcoming(count, core: core) }

    /// Cores whose streams have not ended.
    public var activeCores: Int { streams.activeCores }
}
