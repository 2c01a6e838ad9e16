import KonaEngine
import KonaProtocol

/// Page-fault-based remote memory (Infiniswap, LegoOS, Fastswap) on the same cores, caches,
/// network and nodes as the Kona FPGA: the home of remote lines whose pages are resident in
/// a page cache in local DRAM, and the operating system's paging path.
///
/// - **Resident pages** are reached through the normal coherent path at local-DRAM cost:
///   this agent is a home directory (the FPGA's table, whose recall rows serve eviction) in
///   front of the socket's DRAM, looked up like a CPU home agent (`directoryLatency`).
/// - **Faults.** A core's private caches ask `permits` on every access to a remote line that
///   is not an L1 hit (a line in a private cache belongs to a mapped page, and one held
///   modified to a writable one); when it says no, the access faults (`fault`): the core
///   stops issuing until it completes. A fault on a page not resident costs the software
///   path (`faultLatency`), the RDMA read of the whole page, and `mapLatency`, then the
///   access is retried; cores faulting on a page already being read wait for that read. A
///   store to a resident page not yet written since it was mapped takes a write-protect
///   fault (`wpFaultLatency`), which marks the page writable (dirty). A fault on a page
///   being reclaimed is minor: the page is still in its frame (Linux's swap cache), so once
///   its write-back has been issued (the page is unlocked) the reclaim is called off and the
///   page mapped again, `faultLatency` and `mapLatency` after the trap, with no read and no
///   wait for the write's acknowledgement.
/// - **Reclaim.** Above the high watermark (and on an allocation failure: direct reclaim)
///   pages are chosen by CLOCK over accessed bits or LRU among the next `scan` pages, in
///   batches of `batch` unmapped together: one TLB shootdown costs `shootdownLatency` plus
///   `shootdownPerCore` per core that touched one of the pages since it was mapped, and each
///   of those cores spends `shootdownHandler` in its interrupt handler. Then the pages' lines
///   are recalled from the CPU caches (once none is in a transaction) and a page that was
///   written is sent back whole; its frame is free when the write is acknowledged.
/// - The victim choice, recall bookkeeping and write-back are the `EvictionEngine` the FPGA
///   uses; a page is an FMem block of `pageSize` bytes, in a page cache of one set.
public final class PagingHomeAgent: RemoteHomeAgent {
    /// What the paging model is configured with, in base units.
    public struct Parameters: Sendable {
        public var pageSize: UInt64
        /// The home directory's lookup.
        public var directoryLatency: Tick
        public var faultLatency: Tick
        public var mapLatency: Tick
        public var wpFaultLatency: Tick
        /// From a page's lines being home to its write being issued (software write-back path).
        public var writebackLatency: Tick
        /// Page reads in flight at most.
        public var maxFaults: Int
        public var readahead: Int
        /// Pages unmapped under one shootdown.
        public var batch: Int
        public var shootdownLatency: Tick
        public var shootdownPerCore: Tick
        public var shootdownHandler: Tick
        public var eviction: EvictionEngine.Parameters
        public var nodes: RemoteNodeMap

        public init(pageSize: UInt64, directoryLatency: Tick, faultLatency: Tick, mapLatency: Tick, wpFaultLatency: Tick,
                    writebackLatency: Tick, maxFaults: Int, readahead: Int, batch: Int, shootdownLatency: Tick, shootdownPerCore: Tick,
                    shootdownHandler: Tick, eviction: EvictionEngine.Parameters, nodes: RemoteNodeMap) {
            self.pageSize = pageSize
            self.directoryLatency = directoryLatency
            self.faultLatency = faultLatency
            self.mapLatency = mapLatency
            self.wpFaultLatency = wpFaultLatency
            self.writebackLatency = writebackLatency
            self.maxFaults = maxFaults
            self.readahead = readahead
            self.batch = batch
            self.shootdownLatency = shootdownLatency
            self.shootdownPerCore = shootdownPerCore
            self.shootdownHandler = shootdownHandler
            self.eviction = eviction
            self.nodes = nodes
        }
    }

    /// A core's fault waiting for its page.
    private struct Faulter {
        var core: Int
        var isStore: Bool
        var time: Tick
    }

    private enum Kind: UInt32 { case resume = 1, writeProtectDone, readPage, shootdownDone, remap }

    public let parameters: Parameters
    /// Interrupts core `c` until a time (a shootdown's handler), and retries core `c`'s
    /// faulted access now (set by the system).
    public var interrupt: ((Int, Tick) -> Void)?
    public var retry: ((Int) -> Void)?
    /// Which lines are remote (readahead reads only remote pages; set by the system).
    public var isRemote: ((UInt64) -> Bool)?
    private let coreCount: Int
    private let maskWords: Int
    /// Per numbered frame: whether the page may be written (it is dirty), and the cores that
    /// may hold its mapping (a bit per core).
    private var writable: [Bool] = []
    private var mappers: [UInt64] = []
    /// Faults waiting per page (its software entry, a frame, or its read).
    private var faulters = LineMap<[Faulter]>()
    /// Pages whose read waits for the fault bound or a frame, in order.
    private var readQueue: [UInt64] = []
    private var reads = 0
    /// Shootdowns in progress, by number: their frames.
    private var shootdownBatches = LineMap<[Int]>()
    private var nextBatch: UInt64 = 0
    /// Frames past their shootdown that wait for their lines to be stable to recall them.
    private var awaitingRecall: Set<Int> = []
    private var recalling: [Bool] = []
    /// Per frame being reclaimed, when its write-back was issued (from then a fault on its
    /// page maps it again); `.max` before.
    private var writeIssued: [Tick] = []

    /// Faults on pages not in the page cache (each core's trap), and pages read from remote
    /// memory (for faults, readahead and requests that arrived after their page was unmapped).
    public private(set) var faults: UInt64 = 0
    /// Faults on pages being reclaimed (still in their frame), and the cores' time in them.
    public private(set) var minorFaults: UInt64 = 0
    public private(set) var minorFaultTime: Tick = 0
    public private(set) var pageIns: UInt64 = 0
    public private(set) var readaheadPages: UInt64 = 0
    public private(set) var lateRequests: UInt64 = 0
    /// Write-protect faults.
    public private(set) var wpFaults: UInt64 = 0
    /// Shootdowns, and the cores they interrupted.
    public private(set) var shootdowns: UInt64 = 0
    public private(set) var shootdownIPIs: UInt64 = 0
    /// Reclaims started by an allocation failure.
    public private(set) var directReclaims: UInt64 = 0
    /// Requests from the sockets.
    public private(set) var requests: UInt64 = 0
    /// Cores' time in faults (trap to retry), and in write-protect faults.
    public private(set) var faultTime: Tick = 0
    public private(set) var wpFaultTime: Tick = 0
    /// Trap-to-retry time of each fault on a non-resident page.
    public let faultLatencies: Distribution

    /// A paging agent (home number `index`) for `cores` cores. Its frames (one set) are the
    /// page cache, in `dram`, the local DRAM it shares with the socket's local memory.
    public init(path: String, index: Int, cores: Int, table: HomeProtocol.Table, frames: FrameCache, dram: MainMemory,
                network: RemoteNetwork, parameters: Parameters, lookups: LookupPort, outbox: TimedOutbox,
                simulator: Simulator, stats: StatsRegistry) {
        self.parameters = parameters
        coreCount = cores
        maskWords = (cores + 63) / 64
        faultLatencies = stats.distribution(path + ".fault_latency_ns", "time from a core's fault on a non-resident page to the access's retry", unit: "ns", scale: 1000)
        super.init(path: path, index: index, table: table, frames: frames, dram: dram, network: network,
                   eviction: parameters.eviction, nodes: parameters.nodes, blockSize: parameters.pageSize,
                   writebackDelay: parameters.writebackLatency, writesPostedLater: true, lookups: lookups,
                   names: ("page", "the page cache"), outbox: outbox, simulator: simulator, stats: stats)
        for _ in 0..<frames.numberedFrames { addFrame() }
        frames.observeNumbering { [unowned self] in self.addFrame() }
        registerStatistics(stats)
    }

    /// The entries of the frame the frame cache has just numbered.
    private func addFrame() {
        writable.append(false)
        recalling.append(false)
        writeIssued.append(.max)
        mappers.append(contentsOf: repeatElement(0, count: maskWords))
    }

    private func registerStatistics(_ stats: StatsRegistry) {
        func count(_ name: String, _ doc: String, _ unit: String, _ read: @escaping (PagingHomeAgent) -> UInt64) {
            stats.formula(path + "." + name, doc, unit: unit) { [unowned self] in .integer(read(self)) }
        }
        count("faults", "faults on pages not in the page cache (each core's trap; cores faulting on a page being read wait for that read)", "faults") { $0.faults }
        count("minor_faults", "faults on pages being reclaimed, mapped again from their frame without a read", "faults") { $0.minorFaults }
        count("page_ins", "pages read from remote memory (faults, readahead, requests that arrived after their page was unmapped)", "pages") { $0.pageIns }
        count("readahead_pages", "pages read ahead of a fault", "pages") { $0.readaheadPages }
        count("late_requests", "requests that reached the home after their page was unmapped (held until it was resident again)", "requests") { $0.lateRequests }
        count("wp_faults", "write-protect faults (first store to a clean resident page)", "faults") { $0.wpFaults }
        count("shootdowns", "TLB shootdowns (one per batch of unmapped pages)", "shootdowns") { $0.shootdowns }
        count("shootdown_ipis", "cores interrupted by shootdowns", "interrupts") { $0.shootdownIPIs }
        count("direct_reclaims", "reclaims started because a fault found no free frame", "reclaims") { $0.directReclaims }
        count("requests", "requests from the sockets (RdShared, RdOwn, UpgradeReq) for resident remote lines", "requests") { $0.requests }
        stats.formula(path + ".fault_time_ns", "cores' time in faults on non-resident pages, trap to retry", unit: "ns") { [unowned self] in
            .real(Double(self.faultTime) / 1000)
        }
        stats.formula(path + ".minor_fault_time_ns", "cores' time in minor faults, trap to retry", unit: "ns") { [unowned self] in
            .real(Double(self.minorFaultTime) / 1000)
        }
        stats.formula(path + ".wp_fault_time_ns", "cores' time in write-protect faults (the cost of dirty tracking by page protection)", unit: "ns") { [unowned self] in
            .real(Double(self.wpFaultTime) / 1000)
        }
        stats.formula(path + ".occupancy", "fraction of the page cache's frames allocated at the end", unit: "ratio") { [unowned self] in
            .real(Double(self.frames.allocated) / Double(self.frames.frames))
        }
    }

    /// Takes a page table (sampling's handover from the functional model, after the frames):
    /// per numbered frame, whether its page is writable, and the cores that may map it.
    func takePageTable(writable: [Bool], mappers: [UInt64]) {
        precondition(writable.count == self.writable.count && mappers.count == self.mappers.count,
                     "a page table of another page cache")
        self.writable = writable
        self.mappers = mappers
    }

    // MARK: The page table, as the cores see it

    /// Whether core `core` may access remote `line` now without a fault: its page is mapped
    /// (resident) and, for a store, writable. Records that the core may hold the mapping.
    public func permits(_ line: UInt64, isStore: Bool, core: Int) -> Bool {
        guard let f = frames.frame(of: block(of: line)), frames.states[f] == .resident else { return false }
        mappers[f * maskWords + core >> 6] |= 1 << UInt64(core & 63)
        frames.touch(f)
        return !isStore || writable[f]
    }

    /// Core `core` faults on `line` at `time` (not before now): it issues nothing more until
    /// `retry` is called for it.
    public func fault(_ line: UInt64, isStore: Bool, core: Int, at time: Tick) {
        let p = block(of: line)
        if let f = frames.frame(of: p), frames.states[f] == .resident {
            // Resident, so this is a store to a page not yet writable.
            wpFaults += 1
            wpFaultTime += parameters.wpFaultLatency
            simulator.schedule(at: time + parameters.wpFaultLatency, target: id, kind: Kind.writeProtectDone.rawValue,
                               payload: p << 16 | UInt64(core))
            return
        }
        let faulter = Faulter(core: core, isStore: isStore, time: time)
        if let f = frames.frame(of: p), frames.states[f] == .evicting {
            // Still in its frame: mapped again once its write-back is issued.
            minorFaults += 1
            if faulters[p] != nil { faulters[p]!.append(faulter) } else { faulters[p] = [faulter] }
            if writeIssued[f] != .max {
                simulator.schedule(at: max(time, writeIssued[f]), target: id, kind: Kind.remap.rawValue, payload: p)
            }
            return
        }
        faults += 1
        if faulters[p] != nil {
            faulters[p]!.append(faulter)                  // its read (or the eviction before it) is under way
            return
        }
        faulters[p] = [faulter]
        if frames.frame(of: p) != nil { return }          // being read (ahead)
        simulator.schedule(at: time + parameters.faultLatency, target: id, kind: Kind.readPage.rawValue, payload: p)
    }

    // MARK: Page reads

    /// Reads page `p` now if the fault bound and a frame allow, else queues it.
    private func readPage(_ p: UInt64, at time: Tick) {
        if reads >= parameters.maxFaults || !readQueue.isEmpty {
            readQueue.append(p)
            return
        }
        if !startRead(p, at: time) {
            readQueue.append(p)
            directReclaim(at: time)
        }
    }

    /// Allocates a frame for `p` and starts its read; false if no frame is free.
    @discardableResult
    private func startRead(_ p: UInt64, at time: Tick) -> Bool {
        guard let f = frames.allocate(p) else { return false }
        reads += 1
        pageIns += 1
        writable[f] = false
        for w in 0..<maskWords { mappers[f * maskWords + w] = 0 }
        engine.beginFetch(f)
        network.read(bytes: parameters.pageSize, node: nodes.node(of: p), criticalFirst: false, tag: UInt64(f),
                     line: firstLine(of: p), at: time)
        reclaimInBackground(at: time)
        return true
    }

    /// Reads the pages after `p` that are remote, absent and not being read, while frames are
    /// free and the fault bound allows.
    private func readAhead(after p: UInt64, isRemote: (UInt64) -> Bool, at time: Tick) {
        guard parameters.readahead > 0 else { return }
        for k in 1...UInt64(parameters.readahead) {
            let q = p + k
            guard reads < parameters.maxFaults, frames.allocated < frames.frames else { return }
            if !isRemote(firstLine(of: q)) || frames.frame(of: q) != nil || faulters[q] != nil { continue }
            if startRead(q, at: time) { readaheadPages += 1 }
        }
    }

    /// A page has arrived: it is mapped (writable if a store faulted on it), and each core
    /// that faulted on it retries after the mapping's software path.
    public override func readCompleted(_ tag: UInt64) throws(SimulationError) {
        let f = Int(tag), now = simulator.now
        let p = frames.block(in: f)
        reads -= 1
        frames.markResident(f)
        let waiting = faulters.removeValue(forKey: p) ?? []
        writable[f] = waiting.contains { $0.isStore }
        let resume = now + parameters.mapLatency
        for faulter in waiting {
            mappers[f * maskWords + faulter.core >> 6] |= 1 << UInt64(faulter.core & 63)
            let latency = resume - faulter.time
            faultLatencies.record(latency)
            faultTime += latency
            simulator.schedule(at: resume, target: id, kind: Kind.resume.rawValue, payload: UInt64(faulter.core))
        }
        if let requests = held.removeValue(forKey: p) {
            for message in requests { deliverRequest(message, frame: f, at: lookups.admit(at: now) + parameters.directoryLatency) }
        }
        if !waiting.isEmpty, let isRemote { readAhead(after: p, isRemote: isRemote, at: now) }
        startQueuedReads(at: now)
        try finishEvent(at: now)
    }

    private func startQueuedReads(at time: Tick) {
        while !readQueue.isEmpty && reads < parameters.maxFaults {
            if !startRead(readQueue[0], at: time) {
                directReclaim(at: time)
                return
            }
            readQueue.removeFirst()
        }
    }

    // MARK: Messages from the sockets

    /// A message from a caching agent arrives now.
    public func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        let t = lookups.admit(at: simulator.now) + parameters.directoryLatency
        switch message.kind {
        case .RdShared, .RdOwn, .UpgradeReq:
            let p = block(of: message.line)
            if let f = frames.frame(of: p), held[p] == nil,
               frames.states[f] == .resident || (frames.states[f] == .evicting && !recalling[f]) {
                deliverRequest(message, frame: f, at: t)
            } else {
                // Its core's check passed before the page was unmapped: it waits until the
                // page is read again.
                lateRequests += 1
                if held[p] == nil { held[p] = [message] } else { held[p]!.append(message) }
                if frames.frame(of: p) == nil && faulters[p] == nil {
                    faulters[p] = []
                    readPage(p, at: t)
                }
            }
        default:
            outbox.time = t
            try controller.receive(message)
        }
        if let failure { throw failure }
    }

    private func deliverRequest(_ message: CoherenceMessage, frame f: Int, at time: Tick) {
        requests += 1
        serve(message, frame: f, at: time)
    }

    override func transitioned(_ line: UInt64, _ before: HomeProtocol.State, _ after: HomeProtocol.State) {
        guard engine.directoryChanged(line, from: before, to: after), let f = frames.frame(of: block(of: line)) else { return }
        if !readQueue.isEmpty || awaitingRecall.contains(f) && !engine.isBusy(f) { scheduleWork() }
    }

    // MARK: Reclaim

    private func evictable(_ f: Int) -> Bool {
        !engine.isBusy(f) && !engine.isWriting(f) && held[frames.block(in: f)] == nil
    }

    private func reclaimInBackground(at time: Tick) {
        var batch: [Int] = []
        engine.evictInBackground(canStart: { batch.count < parameters.batch }, eligible: evictable) { f in
            engine.begin(f, at: time)
            batch.append(f)
        }
        if !batch.isEmpty { shootDown(batch, at: time) }
    }

    /// No frame was free for a read: evict a batch now, unless evictions under way will free
    /// enough frames for the reads waiting.
    private func directReclaim(at time: Tick) {
        guard engine.evicting < readQueue.count else { return }
        var batch: [Int] = []
        while batch.count < parameters.batch, let f = engine.victim(eligible: evictable) {
            engine.begin(f, at: time)
            batch.append(f)
        }
        guard !batch.isEmpty else { return }
        directReclaims += 1
        shootDown(batch, at: time)
    }

    /// Unmaps `batch` (already marked evicting, so cores fault on them) with one shootdown:
    /// every core that may hold one of the mappings is interrupted.
    private func shootDown(_ batch: [Int], at time: Tick) {
        var targets = [UInt64](repeating: 0, count: maskWords)
        for f in batch {
            for w in 0..<maskWords { targets[w] |= mappers[f * maskWords + w] }
        }
        var count = 0
        for c in 0..<coreCount where targets[c >> 6] & (1 << UInt64(c & 63)) != 0 {
            count += 1
            interrupt?(c, time + parameters.shootdownHandler)
        }
        shootdowns += 1
        shootdownIPIs += UInt64(count)
        let n = nextBatch
        nextBatch += 1
        shootdownBatches[n] = batch
        simulator.schedule(at: time + parameters.shootdownLatency + Tick(count) * parameters.shootdownPerCore, target: id,
                           kind: Kind.shootdownDone.rawValue, payload: n)
    }

    private func startRecall(_ f: Int, at time: Tick) {
        awaitingRecall.remove(f)
        recalling[f] = true
        recall(f, at: time)
    }

    /// The write-back of frame `f` (its page dirty) is issued after the software path; a
    /// page faulted on (or asked for) meanwhile is mapped again once the write is issued.
    override func writebackStarted(_ f: Int, at time: Tick, issued: Tick, sending: Bool) {
        guard sending else { return }
        let p = frames.block(in: f)
        writeIssued[f] = issued
        if isWanted(p) {
            simulator.schedule(at: issued, target: id, kind: Kind.remap.rawValue, payload: p)
        }
    }

    /// Frame `f`'s reclaim is over: it is freed, unless its page was faulted on (or asked
    /// for) meanwhile, when it is mapped again instead.
    override func evicted(_ f: Int, at now: Tick) {
        let p = frames.block(in: f)
        if isWanted(p) { return remap(f, at: now) }
        recalling[f] = false
        writeIssued[f] = .max
        super.evicted(f, at: now)
        startQueuedReads(at: now)
        reclaimInBackground(at: now)
    }

    /// Whether page `p` was faulted on, or asked for by a request, since its reclaim began.
    private func isWanted(_ p: UInt64) -> Bool { faulters[p] != nil || held[p] != nil }

    /// Calls off frame `f`'s reclaim (its lines are home and its write-back, if any, issued):
    /// its page is resident again, clean (writable if a store faulted), and each core that
    /// faulted on it retries after the fault's software path and the mapping.
    private func remap(_ f: Int, at now: Tick) {
        let p = frames.block(in: f)
        engine.abandon(f)
        recalling[f] = false
        writeIssued[f] = .max
        frames.clearDirty(f)
        frames.markResident(f)
        let waiting = faulters.removeValue(forKey: p) ?? []
        writable[f] = waiting.contains { $0.isStore }
        for w in 0..<maskWords { mappers[f * maskWords + w] = 0 }
        for faulter in waiting {
            mappers[f * maskWords + faulter.core >> 6] |= 1 << UInt64(faulter.core & 63)
            let resume = max(now, faulter.time + parameters.faultLatency) + parameters.mapLatency
            minorFaultTime += resume - faulter.time
            simulator.schedule(at: resume, target: id, kind: Kind.resume.rawValue, payload: UInt64(faulter.core))
        }
        if let requests = held.removeValue(forKey: p) {
            for message in requests { deliverRequest(message, frame: f, at: lookups.admit(at: now) + parameters.directoryLatency) }
        }
        startQueuedReads(at: now)
        reclaimInBackground(at: now)
    }

    // MARK: Events

    override func handleOwn(_ event: Event, at now: Tick) {
        switch Kind(rawValue: event.kind)! {
        case .resume:
            retry?(Int(event.payload))
        case .writeProtectDone:
            let p = event.payload >> 16
            if let f = frames.frame(of: p), frames.states[f] == .resident { writable[f] = true }
            retry?(Int(event.payload & 0xffff))
        case .readPage:
            readPage(event.payload, at: now)
        case .shootdownDone:
            for f in shootdownBatches.removeValue(forKey: event.payload) ?? [] {
                if engine.isBusy(f) { awaitingRecall.insert(f) } else { startRecall(f, at: now) }
            }
        case .remap:
            if let f = frames.frame(of: event.payload), frames.states[f] == .evicting, writeIssued[f] <= now,
               isWanted(event.payload) {
                remap(f, at: now)
            }
        }
    }

    /// After the write-backs due: recalls that waited for their lines to be stable, then reads.
    override func didWork(at now: Tick) {
        // In way order: a page cache's frames are numbered in way order (one set).
        for f in awaitingRecall.sorted() where !engine.isBusy(f) { startRecall(f, at: now) }
        startQueuedReads(at: now)
    }

    override func waiting() -> [String] {
        var out: [String] = []
        if !readQueue.isEmpty { out.append("\(readQueue.count) page read(s) wait for a frame or the fault bound") }
        for p in faulters.sortedKeys where !(faulters[p]?.isEmpty ?? true) {
            out.append("page 0x\(String(p << blockShift, radix: 16)): \(faulters[p]!.count) fault(s) waiting")
        }
        return out
    }
}
