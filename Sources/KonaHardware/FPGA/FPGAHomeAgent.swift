import KonaEngine
import KonaProtocol

/// The Kona FPGA: the home agent of remote memory. Its directory runs the FPGA table
/// (`HomeProtocol.fpgaTable`) in front of FMem, a set-associative DRAM cache of remote
/// blocks with a dirty and an access bit per line; misses fetch blocks over the network
/// from the remote nodes, and an eviction engine recalls a victim block's lines from the
/// CPU caches and writes back only its dirty lines (or the whole block, as a variant).
///
/// Timing: a message is looked up `pipeline + directory` FPGA cycles after it arrives; a
/// hit reads FMem (latency and bandwidth); a miss allocates a frame (evicting if its set
/// is full), fetches the block and answers when the requested line arrives (critical line
/// first) or the whole block has, a directory update (`directory` cycles) after the data;
/// every packet of the block is written into FMem's DRAM as it arrives, and an eviction
/// reads the lines it sends out of FMem's DRAM before they leave. Requests
/// for a block being fetched or evicted wait here, in order, and are served when it is
/// resident again (after a re-fetch if it was evicted). Background evictions keep the
/// occupancy between the watermarks. At most `maxOutstanding` fetches and evictions run at
/// once; misses beyond that, or whose set has no frame to give yet, wait and are retried
/// oldest first whenever an operation ends or a line's transaction completes.
///
/// Inclusion (`Parameters.inclusion`): an inclusive FMem's eviction recalls the block's held
/// lines first; a non-inclusive one releases them (they stay in the CPU caches, the
/// directory keeps their entries) and writes back at once; an owner's dirty writeback met
/// while the line's block is out of FMem (absent or leaving) goes straight to remote memory
/// as a one-line network write.
public final class FPGAHomeAgent: RemoteHomeAgent {
    /// What a run of the agent is configured with, in base units.
    public struct Parameters: Sendable {
        /// From a message's arrival to its directory lookup (coherent-link and pipeline stages).
        public var pipelineLatency: Tick
        /// The directory lookup or update.
        public var directoryLatency: Tick
        /// The FPGA's clock, and the messages its pipeline accepts per cycle.
        public var clock: ClockDomain
        public var lookupsPerCycle: Int
        public var maxOutstanding: Int
        public var dirtyOnGrant: Bool
        public var blockSize: UInt64
        public var criticalFirst: Bool
        /// Victim choice and write-back (the eviction engine's).
        public var eviction: EvictionEngine.Parameters
        /// Which remote node holds each block.
        public var nodes: RemoteNodeMap
        /// Whether an eviction recalls the block's lines from the CPU caches or leaves them there.
        public var inclusion: FMemInclusion
        /// A recalled line requested again within this time of its recall is an inclusion victim.
        public var inclusionVictimWindow: Tick

        public init(pipelineLatency: Tick, directoryLatency: Tick, clock: ClockDomain, lookupsPerCycle: Int, maxOutstanding: Int, dirtyOnGrant: Bool, blockSize: UInt64, criticalFirst: Bool,
                    eviction: EvictionEngine.Parameters, nodes: RemoteNodeMap, inclusion: FMemInclusion = .inclusive,
                    inclusionVictimWindow: Tick = 1_000_000_000) {
            self.pipelineLatency = pipelineLatency
            self.directoryLatency = directoryLatency
            self.clock = clock
            self.lookupsPerCycle = lookupsPerCycle
            self.maxOutstanding = maxOutstanding
            self.dirtyOnGrant = dirtyOnGrant
            self.blockSize = blockSize
            self.criticalFirst = criticalFirst
            self.eviction = eviction
            self.nodes = nodes
            self.inclusion = inclusion
            self.inclusionVictimWindow = inclusionVictimWindow
        }
    }

    public let parameters: Parameters
    /// Misses waiting for a frame or for the outstanding limit, in order: a miss whose set
    /// has not opened since it last failed would fail again, and a retry skips it.
    private var pendingMisses = PendingMisses()
    /// Per numbered frame, the line its fetch brings first.
    private var criticalLine: [UInt64] = []
    /// The requests a critical line's arrival serves (a buffer reused across arrivals).
    private var criticalRequests: [CoherenceMessage] = []
    private var operations = 0
    private var watch = LineWatch()

    /// Traces the FPGA directory's state of `lines` (`fpga.watch.<address>`).
    public func watch(_ lines: [UInt64], with tracer: SignalTracer) {
        watch.declare(lines, path: path, initial: "I", with: tracer)
    }

    /// Requests (read-shared, read-for-ownership, upgrade) from the sockets.
    public private(set) var requests: UInt64 = 0
    /// Requests whose block was resident.
    public private(set) var hits: UInt64 = 0
    /// Blocks fetched from remote memory.
    public private(set) var fetches: UInt64 = 0
    /// Recalled lines that a socket requested again within `inclusionVictimWindow` of their recall.
    public private(set) var inclusionVictims: UInt64 = 0
    private var tracer: SignalTracer?
    private var signals: (lookups: SignalID?, occupancy: SignalID?, dirty: SignalID?, accessed: SignalID?, engine: SignalID?,
                          fetches: SignalID?)

    /// An FPGA home agent (home number `index`) registered with `simulator`.
    public init(path: String, index: Int, table: HomeProtocol.Table, frames: FrameCache, dram: MainMemory, network: RemoteNetwork,
                parameters: Parameters, outbox: TimedOutbox, simulator: Simulator, stats: StatsRegistry) {
        self.parameters = parameters
        super.init(path: path, index: index, table: table, frames: frames, dram: dram, network: network,
                   eviction: parameters.eviction, nodes: parameters.nodes, blockSize: parameters.blockSize, writebackDelay: 0,
                   writesPostedLater: false,
                   lookups: LookupPort(clock: parameters.clock, perCycle: parameters.lookupsPerCycle),
                   names: ("block", "FMem"), outbox: outbox, simulator: simulator, stats: stats)
        criticalLine = [UInt64](repeating: 0, count: frames.numberedFrames)
        frames.observeNumbering { [unowned self] in self.criticalLine.append(0) }
        controller.onOwnershipGranted = { [unowned(unsafe) self] line in
            if self.parameters.dirtyOnGrant, let f = self.frames.frame(of: self.block(of: line)) {
                self.frames.setDirty(f, line: self.offset(line))
            }
        }
        countsRecalls = true
        recallRecordLifetime = parameters.inclusionVictimWindow
        if parameters.inclusion == .nonInclusive {
            releasesHeldLines = true
            controller.lineBacked = { [unowned(unsafe) self] line in self.isBacked(line) }
            controller.onRemoteWrite = { [unowned(unsafe) self] line, value in self.writeRemote(line, value) }
        }
        registerStatistics(stats)
    }

    private func registerStatistics(_ stats: StatsRegistry) {
        func count(_ name: String, _ doc: String, _ unit: String, _ read: @escaping (FPGAHomeAgent) -> UInt64) {
            stats.formula(path + "." + name, doc, unit: unit) { [unowned self] in .integer(read(self)) }
        }
        count("requests", "requests from the sockets (RdShared, RdOwn, UpgradeReq)", "requests") { $0.requests }
        count("fmem.hits", "requests whose block was resident in FMem", "requests") { $0.hits }
        count("fmem.misses", "requests whose block was not resident (fetched, or waiting for a fetch or an eviction)", "requests") { $0.requests - $0.hits }
        count("fetches", "blocks fetched from remote memory", "blocks") { $0.fetches }
        count("inclusion_victims", "lines recalled by an FMem eviction that a socket requested again within fpga.inclusion_victim_window", "lines") { $0.inclusionVictims }
        if parameters.inclusion == .nonInclusive {
            count("released_lines", "lines an FMem eviction left valid in the CPU caches (non-inclusive)", "lines") { $0.releasedLines }
            count("remote_line_writes", "dirty writebacks written straight to remote memory, their block out of FMem (non-inclusive)", "lines") { $0.engine.remoteLineWrites }
        }
        count("fmem.dirty_bits", "dirty bits set at the end (lines of resident blocks modified since fetched)", "lines") { UInt64($0.frames.dirtyBits) }
        count("fmem.access_bits", "access bits set at the end", "lines") { UInt64($0.frames.accessBits) }
        stats.formula(path + ".fmem.hit_rate", "requests that found their block in FMem / requests", unit: "ratio") { [unowned self] in
            .real(self.requests == 0 ? 0 : Double(self.hits) / Double(self.requests))
        }
        stats.formula(path + ".fmem.occupancy", "fraction of FMem's blocks allocated at the end", unit: "ratio") { [unowned self] in
            .real(Double(self.frames.allocated) / Double(self.frames.frames))
        }
    }

    /// Declares the FPGA's signals: `lookups` (a pulse per directory lookup), `fmem_occupancy`
    /// (blocks allocated), `dirty_bits` and `access_bits` (bitmap populations), `eviction`
    /// (the engine's state: idle, recall, write) and `fetches` (fetches in flight).
    public func trace(with tracer: SignalTracer) {
        self.tracer = tracer
        signals = (tracer.declare(path + ".lookups", .wire(width: 1), initial: .bits(0)),
                   tracer.declare(path + ".fmem_occupancy", .wire(width: 32), initial: .bits(0)),
                   tracer.declare(path + ".dirty_bits", .wire(width: 32), initial: .bits(0)),
                   tracer.declare(path + ".access_bits", .wire(width: 32), initial: .bits(0)),
                   tracer.declare(path + ".eviction", .string, initial: .string("idle")),
                   tracer.declare(path + ".fetches", .wire(width: 16), initial: .bits(0)))
    }

    @inline(never)
    private func traceState(at time: Tick) {
        guard let tracer else { return }
        if let id = signals.occupancy { tracer.record(id, at: time, .bits(UInt64(frames.allocated))) }
        if let id = signals.dirty { tracer.record(id, at: time, .bits(UInt64(frames.dirtyBits))) }
        if let id = signals.accessed { tracer.record(id, at: time, .bits(UInt64(frames.accessBits))) }
    }

    private func traceEngine(_ state: String, at time: Tick) {
        guard let tracer, let id = signals.engine else { return }
        tracer.record(id, at: time, .string(engine.evicting == 0 ? "idle" : state))
    }

    // MARK: Messages

    /// A message from a caching agent arrives now.
    public func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        let t = lookups.admit(at: simulator.now) + parameters.pipelineLatency + parameters.directoryLatency
        if let tracer, let id = signals.lookups {
            tracer.record(id, at: t, .bits(1))
            tracer.record(id, at: t + 1, .bits(0))
        }
        switch message.kind {
        case .RdShared, .RdOwn, .UpgradeReq:
            requests += 1
            if !recalledAt.isEmpty, let recalled = recalledAt.removeValue(forKey: message.line),
               simulator.now - recalled <= parameters.inclusionVictimWindow {
                inclusionVictims += 1
            }
            let b = block(of: message.line)
            if held[b] != nil {
                held[b]!.append(message)
                return
            }
            if let f = frames.frame(of: b) {
                hits += 1
                frames.touch(f)
                frames.setAccessed(f, line: offset(message.line))
                try deliver(message, at: t)
            } else {
                held[b] = [message]
                startMiss(b, line: message.line, at: t)
            }
        default:
            try deliver(message, at: t)
        }
        if let failure { throw failure }
        if tracer != nil { traceState(at: t) }
    }

    private func deliver(_ message: CoherenceMessage, at time: Tick) throws(ProtocolViolation) {
        outbox.time = time
        try controller.receive(message)
    }

    /// Counts lines in a transaction per frame (a block with any is not evicted), and keeps
    /// the bitmap of lines the sockets hold (the lines an eviction recalls).
    override func transitioned(_ line: UInt64, _ before: HomeProtocol.State, _ after: HomeProtocol.State) {
        if watch.tracer != nil { watch.note(line, after.name, at: max(outbox.time, simulator.now)) }
        if engine.directoryChanged(line, from: before, to: after) && !pendingMisses.isEmpty { scheduleWork() }
    }

    // MARK: Misses and fetches

    private func startMiss(_ b: UInt64, line: UInt64, at time: Tick) {
        if operations >= parameters.maxOutstanding {
            pendingMisses.append(block: b, line: line)
            return
        }
        if !tryAllocate(b, line: line, at: time) { pendingMisses.append(block: b, line: line) }
    }

    /// Allocates and fetches `b`, or starts an eviction in its set; false if it must wait.
    private func tryAllocate(_ b: UInt64, line: UInt64, at time: Tick) -> Bool {
        if let f = frames.allocate(b) {
            fetch(f, b, line: line, at: time)
            backgroundEvictions(at: time)
            return true
        }
        if operations < parameters.maxOutstanding, let victim = engine.victim(forSetOf: b, eligible: evictable) {
            startEviction(victim, at: time)
        }
        return false
    }

    private func evictable(_ f: Int) -> Bool { !engine.isBusy(f) && held[frames.block(in: f)] == nil }

    private func fetch(_ f: Int, _ b: UInt64, line: UInt64, at time: Tick) {
        operations += 1
        fetches += 1
        engine.beginFetch(f)
        if releasesHeldLines {
            // Lines released when the block last left FMem may still be held: the eviction
            // engine's bitmap of held lines starts from the directory.
            let first = firstLine(of: b)
            for i in 0..<linesPerBlock where controller.state(first + UInt64(i)) != .I { engine.noteHeld(f, line: i) }
        }
        criticalLine[f] = line
        network.read(bytes: parameters.blockSize, node: nodes.node(of: b), criticalFirst: parameters.criticalFirst,
                     tag: UInt64(f), line: firstLine(of: b), at: time)
        if let tracer, let id = signals.fetches { tracer.adjust(id, at: time, by: 1) }
    }

    /// The requested line of a fetch arrived first: serve the requests for it now.
    public override func readCriticalArrived(_ tag: UInt64) throws(SimulationError) {
        let f = Int(tag), now = simulator.now
        let b = frames.block(in: f)
        let line = criticalLine[f]
        if var waiting = held.removeValue(forKey: b) {
            // Split in place: the critical line's requests are served, the rest stay held.
            criticalRequests.removeAll(keepingCapacity: true)
            var kept = 0
            for message in waiting {
                if message.line == line {
                    criticalRequests.append(message)
                } else {
                    waiting[kept] = message
                    kept += 1
                }
            }
            waiting.removeLast(waiting.count - kept)
            held[b] = waiting
            serve(criticalRequests, frame: f, at: now)
        }
        try finishEvent(at: now)
    }

    /// The whole block arrived: it is resident, and every request held for it is served.
    public override func readCompleted(_ tag: UInt64) throws(SimulationError) {
        let f = Int(tag), now = simulator.now
        if let tracer, let id = signals.fetches { tracer.adjust(id, at: now, by: -1) }
        operations -= 1
        frames.markResident(f)
        let waiting = held.removeValue(forKey: frames.block(in: f)) ?? []
        serve(waiting, frame: f, at: now)
        retryPendingMisses(at: now)
        try finishEvent(at: now)
    }

    /// After handling an event: trace the bitmaps and report a failure.
    override func finishEvent(at now: Tick) throws(SimulationError) {
        if tracer != nil { traceState(at: now) }
        try super.finishEvent(at: now)
    }

    // MARK: Evictions

    private func startEviction(_ f: Int, at time: Tick) {
        let b = frames.block(in: f)
        operations += 1
        if held[b] == nil { held[b] = [] }
        engine.begin(f, at: time)
        traceEngine("recall", at: time)
        recall(f, at: time)
    }

    override func writebackStarted(_ f: Int, at time: Tick, issued: Tick, sending: Bool) { traceEngine("write", at: time) }

    /// Starts background evictions while occupancy is above the high watermark, until it
    /// is at the low one.
    private func backgroundEvictions(at time: Tick) {
        engine.evictInBackground(canStart: { operations < parameters.maxOutstanding }, eligible: evictable) {
            startEviction($0, at: time)
        }
    }

    // MARK: Events

    override func didWork(at now: Tick) { retryPendingMisses(at: now) }

    /// Frame `f`'s eviction is over (its writes acknowledged): the frame is free.
    override func evicted(_ f: Int, at now: Tick) {
        let b = frames.block(in: f)
        operations -= 1
        super.evicted(f, at: now)
        traceEngine("write", at: now)
        if let waiting = held.removeValue(forKey: b), !waiting.isEmpty {
            // The block is needed again: fetch it anew, after the misses that waited
            // longer (the freed frame goes to the oldest).
            held[b] = waiting
            pendingMisses.append(block: b, line: waiting[0].line)
        }
        retryPendingMisses(at: now)
        backgroundEvictions(at: now)
    }

    /// Hands requests held for a block that has arrived to the directory; their data comes
    /// from the network, not from FMem's DRAM. They were looked up when they arrived, so the
    /// directory only updates the line (`directoryLatency`), without the pipeline's stages.
    private func serve(_ messages: [CoherenceMessage], frame f: Int, at time: Tick) {
        forwarding = true
        defer { forwarding = false }
        for message in messages { serve(message, frame: f, at: lookups.admit(at: time) + parameters.directoryLatency) }
    }

    /// Retries, oldest first, the misses that can proceed (new, or their set opened since
    /// they failed), while the outstanding limit allows. None is added meanwhile, and no set
    /// opens: allocations, fetches and evictions only schedule events, and an eviction starts
    /// on a frame with no line in a transaction, whose recalls make lines busy, not stable.
    private func retryPendingMisses(at time: Tick) {
        if frames.hasOpenedSets { pendingMisses.readyOpened(in: frames) }
        guard pendingMisses.hasReady else { return }
        while operations < parameters.maxOutstanding, let (slot, miss) = pendingMisses.takeOldestReady() {
            if tryAllocate(miss.block, line: miss.line, at: time) {
                pendingMisses.remove(slot)
            } else {
                pendingMisses.wait(slot, onSet: frames.awaitOpening(ofSetOf: miss.block))
            }
        }
    }

    override func waiting() -> [String] {
        pendingMisses.isEmpty ? [] : ["\(pendingMisses.count) miss(es) wait for an FMem frame"]
    }
}
