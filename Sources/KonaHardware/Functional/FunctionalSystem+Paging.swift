import KonaEngine
import KonaProtocol

// The functional model with remote memory paged (`FunctionalPagingHome`): the cores' page
// table checks and faults, and handing the paging home's state to a detailed window.
extension FunctionalSystem {
    /// The paging model's page cache, reclaim and network framing, as plain values.
    public struct PagingParameters: Sendable {
        public var placement: RemotePlacement
        public var pageSize: UInt64
        /// Frames of the page cache (`paging.capacity / paging.page_size`), replaced by LRU or CLOCK.
        public var frames: Int, lru: Bool
        public var highWatermark: Double, lowWatermark: Double, scan: Int, batch: Int
        public var readahead: Int, maxFaults: Int
        public var headerBytes: UInt64, mtu: UInt64, sgEntryBytes: UInt64
        /// Cores (a shootdown's targets are a bit per core).
        public var cores: Int

        public init(placement: RemotePlacement, pageSize: UInt64, frames: Int, lru: Bool, highWatermark: Double,
                    lowWatermark: Double, scan: Int, batch: Int, readahead: Int, maxFaults: Int, headerBytes: UInt64,
                    mtu: UInt64, sgEntryBytes: UInt64, cores: Int) {
            self.placement = placement
            self.pageSize = pageSize
            self.frames = frames
            self.lru = lru
            self.highWatermark = highWatermark
            self.lowWatermark = lowWatermark
            self.scan = scan
            self.batch = batch
            self.readahead = readahead
            self.maxFaults = maxFaults
            self.headerBytes = headerBytes
            self.mtu = mtu
            self.sgEntryBytes = sgEntryBytes
            self.cores = cores
        }
    }

    /// Applies a load or store of core `core` to line number `line` on a system whose remote
    /// memory may be paged: as the detailed `PrivateCacheComplex` does, an access to a remote
    /// line that is not an L1D hit asks the page table; when it faults, the access is counted
    /// by where its line is, the fault is resolved (`FunctionalPagingHome.fault`), and the
    /// access goes on through the controller. Any other access is `access`.
    public func pagedAccess(core: Int, line: UInt64, isStore: Bool) throws(ProtocolViolation) {
        guard let paging, paging.isRemote(line) else { return try access(core: core, line: line, isStore: isStore) }
        let complex = complexes[core]
        let i = complex.l1.find(line)
        if (i >= 0 && (!isStore || complex.l1.isDirty(i))) || paging.permits(line, isStore: isStore, core: core) {
            return try access(core: core, line: line, isStore: isStore)
        }
        accesses &+= 1
        complex.countFault(line: line)
        try paging.fault(line, isStore: isStore, core: core)
        try complex.retryFault(line: line, isStore: isStore)
    }

    /// Copies the paging home's state into a freshly built detailed `PagingHomeAgent` (with
    /// `copyState` for the rest of the system): the page cache (frames, CLOCK or LRU state,
    /// dirty and access bitmaps), the directory, the page table (writable pages and the
    /// cores that may map them) and the eviction engine's record of the lines the sockets
    /// hold. Between accesses no page is being read or reclaimed and no fault waits.
    /// - Precondition: the model has a paging home; the agent is unused and of the same hardware.
    public func copyPagingState(into agent: PagingHomeAgent) {
        guard let paging else { preconditionFailure("the functional model has no paging home") }
        agent.frames.copyContents(of: paging.frames)
        agent.controller.contents = paging.controller.contents
        agent.takePageTable(writable: paging.writable, mappers: paging.mappers)
        for line in paging.controller.lines.sortedKeys {
            _ = agent.engine.directoryChanged(line, from: .I, to: paging.controller.state(line))
        }
    }
}
