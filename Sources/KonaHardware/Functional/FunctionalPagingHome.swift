import KonaEngine
import KonaProtocol

/// The paging home (Infiniswap, LegoOS, Fastswap) in the functional model: what
/// `PagingHomeAgent` does to its state, applied at once with no time. The same directory
/// table (the FPGA's `HomeProtocol` table, whose recall rows serve reclaim) and the same
/// `FrameCache` for the page cache (one set: pages, CLOCK or LRU state, dirty and access
/// bitmaps), and the page table the cores ask before every access to a remote line that is
/// not an L1D hit (`permits`).
///
/// - A request from a socket is for a resident page (the core's check came first): the frame
///   is touched and the line's access bit set, then the directory serves it. A memory write
///   of the directory sets the line's dirty bit.
/// - A fault (`fault`) on a page not resident reads it at once: a frame is allocated (when
///   none is free, a direct reclaim first evicts a batch of `batch` pages chosen as the
///   detailed reclaim chooses them), background reclaim runs as after the detailed read's
///   start, then the page is resident, writable if a store faulted, mapped by the faulting
///   core, and `readahead` following pages are read as the detailed model reads them after
///   the page arrives. A store to a resident page not writable is a write-protect fault:
///   the page becomes writable.
/// - Reclaim: above the high watermark a round evicts, in batches of `batch` (one shootdown
///   each, counting the cores that may hold one of the mappings), until the low one: one
///   batch per page read, so that a round spreads over the accesses of its reads as the
///   detailed round spreads over time (its batches start as evictions finish). Choosing a
///   whole round's victims at once would sweep the CLOCK hand over the page cache several
///   times with no access in between, clearing every referenced bit, which the detailed
///   reclaim never does (it made the sampled eviction goodput 12% to 15% high). An
///   eviction recalls the page's lines the sockets hold through the directory's `Recall`
///   rows, writes the page back whole if a line is dirty (one network write) and frees the
///   frame, all before the next access, so no fault is ever minor and no request late.
/// - Complexity: a request is a frame lookup and its directory transition; an eviction is a
///   directory lookup per line of the page and its recall's messages.
final class FunctionalPagingHome: LineValueStore {
    let controller: DirectoryController
    let frames: FrameCache
    let parameters: FunctionalSystem.PagingParameters
    private let network: FunctionalNetwork         // strong, as in `FunctionalHome`
    private let linesPerPage: Int
    private let pageLineShift: UInt64
    private let maskWords: Int
    /// Per numbered frame: whether the page may be written, and the cores that may hold its
    /// mapping (a bit per core), as `PagingHomeAgent` keeps them.
    private(set) var writable: [Bool] = []
    private(set) var mappers: [UInt64] = []
    /// Frames chosen for eviction and not yet freed (occupancy leaves them out, as the
    /// eviction engine's does).
    private var evicting = 0
    private var backgroundRound = false

    /// The counts `PagingHomeAgent`, its `EvictionEngine` and `RemoteNetwork` report under the same names.
    private(set) var faults: UInt64 = 0, pageIns: UInt64 = 0, readaheadPages: UInt64 = 0, wpFaults: UInt64 = 0
    private(set) var shootdowns: UInt64 = 0, shootdownIPIs: UInt64 = 0, directReclaims: UInt64 = 0, requests: UInt64 = 0
    private(set) var evictions: UInt64 = 0, backgroundEvictions: UInt64 = 0
    private(set) var linesWrittenBack: UInt64 = 0, dirtyLinesWrittenBack: UInt64 = 0
    private(set) var bytesRead: UInt64 = 0, bytesWritten: UInt64 = 0

    init(index: Int, table: HomeProtocol.Table, parameters: FunctionalSystem.PagingParameters, seed: UInt64,
         network: FunctionalNetwork) {
        self.parameters = parameters
        self.network = network
        linesPerPage = Int(parameters.pageSize >> LineGeometry.lineShift)
        pageLineShift = UInt64(linesPerPage.trailingZeroBitCount)
        maskWords = (parameters.cores + 63) / 64
        frames = FrameCache(sets: 1, ways: parameters.frames, linesPerBlock: linesPerPage, policy: parameters.lru ? .lru : .clock,
                            random: RandomStream(seed: seed, path: "paging.replacement"))
        controller = DirectoryController(index: index, table: table, network: network)
        controller.values = self
        let me = Unmanaged.passUnretained(self)
        controller.onMemoryAccess = { line, isWrite in
            guard isWrite else { return }
            me._withUnsafeGuaranteedRef { $0.written(line) }
        }
        frames.observeNumbering { [unowned(unsafe) self] in
            self.writable.append(false)
            self.mappers.append(contentsOf: repeatElement(0, count: self.maskWords))
        }
    }

    // MARK: Values (the functional model tracks none)

    func value(of line: UInt64) -> UInt64 { 0 }
    func store(_ value: UInt64, to line: UInt64) {}

    @inline(__always) private func page(of line: UInt64) -> UInt64 { line >> pageLineShift }
    @inline(__always) private func offset(_ line: UInt64) -> Int { Int(line & UInt64(linesPerPage - 1)) }

    /// Whether `line` is remote (paged).
    func isRemote(_ line: UInt64) -> Bool { parameters.placement.isRemote(line) }

    private func written(_ line: UInt64) {
        if let f = frames.frame(of: page(of: line)) { frames.setDirty(f, line: offset(line)) }
    }

    // MARK: The page table, as the cores see it

    /// `PagingHomeAgent.permits`: whether core `core` may access remote `line` without a
    /// fault (its page resident and, for a store, writable); records the core as a mapper
    /// and touches the page.
    func permits(_ line: UInt64, isStore: Bool, core: Int) -> Bool {
        guard let f = frames.frame(of: page(of: line)), frames.states[f] == .resident else { return false }
        mappers[f * maskWords + core >> 6] |= 1 << UInt64(core & 63)
        frames.touch(f)
        return !isStore || writable[f]
    }

    /// Core `core`'s access to `line` faulted: resolves the fault (the page read, or made
    /// writable), with everything it causes; the access is then retried by the core.
    func fault(_ line: UInt64, isStore: Bool, core: Int) throws(ProtocolViolation) {
        let p = page(of: line)
        if let f = frames.frame(of: p), frames.states[f] == .resident {
            wpFaults += 1
            writable[f] = true
            return
        }
        faults += 1
        let f = try read(p)
        frames.markResident(f)
        writable[f] = isStore
        mappers[f * maskWords + core >> 6] |= 1 << UInt64(core & 63)
        if parameters.readahead > 0 { try readAhead(after: p) }
    }

    /// `PagingHomeAgent.startRead`, the read done at once: a frame for page `p` (after a direct
    /// reclaim when none is free), the read counted, then background reclaim.
    private func read(_ p: UInt64) throws(ProtocolViolation) -> Int {
        var allocated = frames.allocate(p)
        if allocated == nil {
            try directReclaim()
            allocated = frames.allocate(p)
        }
        guard let f = allocated else {
            throw ProtocolViolation(component: controller.name, line: p << pageLineShift, state: "-", event: "fault",
                                    message: "no page of the page cache can be reclaimed")
        }
        pageIns += 1
        bytesRead += wireBytes(parameters.pageSize)
        writable[f] = false
        for w in 0..<maskWords { mappers[f * maskWords + w] = 0 }
        try reclaimInBackground()
        return f
    }

    /// The pages after `p` that are remote and absent, while frames are free and the fault
    /// bound allows (the faulting page's read is over; these are the reads in flight).
    private func readAhead(after p: UInt64) throws(ProtocolViolation) {
        var reads = 0
        for k in 1...UInt64(parameters.readahead) {
            let q = p + k
            guard reads < parameters.maxFaults, frames.allocated < frames.frames else { return }
            if !isRemote(q << pageLineShift) || frames.frame(of: q) != nil { continue }
            let f = try read(q)
            reads += 1
            readaheadPages += 1
            frames.markResident(f)
        }
    }

    // MARK: Messages from the sockets

    func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        switch message.kind {
        case .RdShared, .RdOwn, .UpgradeReq:
            guard let f = frames.frame(of: page(of: message.line)), frames.states[f] == .resident else {
                throw ProtocolViolation(component: controller.name, line: message.line, state: controller.state(message.line).name,
                                        event: "\(message.kind)", message: "a request for a line whose page is not resident")
            }
            requests += 1
            frames.touch(f)
            frames.setAccessed(f, line: offset(message.line))
            try controller.receive(message)
        default:
            try controller.receive(message)
        }
    }

    // MARK: Reclaim

    /// `PagingHomeAgent.directReclaim`: a batch of victims by the reclaim's choice, evicted.
    private func directReclaim() throws(ProtocolViolation) {
        var batch: [Int] = []
        while batch.count < parameters.batch, let f = victim() {
            begin(f)
            batch.append(f)
        }
        guard !batch.isEmpty else { return }
        directReclaims += 1
        try evict(batch)
    }

    /// `EvictionEngine.evictInBackground` as `PagingHomeAgent.reclaimInBackground` drives it:
    /// at most one batch, evicted at once (the round goes on at the next page read).
    private func reclaimInBackground() throws(ProtocolViolation) {
        let total = Double(frames.frames)
        func occupancy() -> Double { Double(frames.allocated - evicting) / total }
        if !backgroundRound {
            guard occupancy() > parameters.highWatermark else { return }
            backgroundRound = true
        }
        var batch: [Int] = [], exhausted = false
        while occupancy() > parameters.lowWatermark && batch.count < parameters.batch {
            guard let f = victim() else { exhausted = true; break }
            backgroundEvictions += 1
            begin(f)
            batch.append(f)
        }
        if !exhausted && occupancy() <= parameters.lowWatermark { backgroundRound = false }
        guard !batch.isEmpty else { return }
        try evict(batch)
    }

    /// The next victim among `scan` frames of the rotating hand (every resident page is
    /// evictable between accesses).
    private func victim() -> Int? { frames.backgroundVictim(scan: parameters.scan, coldest: false, eligible: { _ in true }) }

    private func begin(_ f: Int) {
        evicting += 1
        frames.markEvicting(f)
    }

    /// Unmaps `batch` with one shootdown, then evicts each page in turn: its lines the sockets
    /// hold recalled, the page written back whole if dirty, the frame freed.
    private func evict(_ batch: [Int]) throws(ProtocolViolation) {
        var targets = [UInt64](repeating: 0, count: maskWords)
        for f in batch { for w in 0..<maskWords { targets[w] |= mappers[f * maskWords + w] } }
        shootdowns += 1
        shootdownIPIs += UInt64(targets.reduce(0) { $0 + $1.nonzeroBitCount })
        for f in batch {
            let first = frames.block(in: f) << pageLineShift
            for i in 0..<linesPerPage where controller.state(first + UInt64(i)) != .I {
                try controller.recall(first + UInt64(i))
            }
            try network.drain()
            var dirtyLines = 0
            for i in 0..<linesPerPage where frames.isDirty(f, line: i) { dirtyLines += 1 }
            if dirtyLines > 0 {
                linesWrittenBack += UInt64(linesPerPage)
                bytesWritten += wireBytes(UInt64(linesPerPage) * LineGeometry.lineSize + parameters.sgEntryBytes)
            }
            dirtyLinesWrittenBack += UInt64(dirtyLines)
            evictions += 1
            evicting -= 1
            frames.free(f)
        }
    }

    /// Bytes on the wire for a message of `payload` bytes (`RemoteNetwork.wireBytes`).
    private func wireBytes(_ payload: UInt64) -> UInt64 {
        payload + parameters.headerBytes * max(1, (payload + parameters.mtu - 1) / parameters.mtu)
    }

    /// Every count, under the detailed model's names.
    var counts: [(name: String, value: UInt64)] {
        [("paging.faults", faults), ("paging.page_ins", pageIns), ("paging.readahead_pages", readaheadPages),
         ("paging.wp_faults", wpFaults), ("paging.shootdowns", shootdowns), ("paging.shootdown_ipis", shootdownIPIs),
         ("paging.direct_reclaims", directReclaims), ("paging.requests", requests), ("paging.minor_faults", 0),
         ("paging.late_requests", 0), ("paging.evictions", evictions), ("paging.background_evictions", backgroundEvictions),
         ("paging.lines_written_back", linesWrittenBack), ("paging.dirty_lines_written_back", dirtyLinesWrittenBack),
         ("net.bytes_read", bytesRead), ("net.bytes_written", bytesWritten)]
    }
}
