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
public final class FPGAHomeAgent: Component, LineValueStore, RemoteNetworkClient {
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

        public init(pipelineLatency: Tick, directoryLatency: Tick, clock: ClockDomain, lookupsPerCycle: Int, maxOutstanding: Int, dirtyOnGrant: Bool, blockSize: UInt64, criticalFirst: Bool,
                    eviction: EvictionEngine.Parameters, nodes: RemoteNodeMap) {
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
        }
    }

    private enum Kind: UInt32 { case evicted = 1, work }

    public let path: String
    public let parameters: Parameters
    /// The directory and FMem's line values.
    public let controller: HomeController
    /// FMem's frames and bitmaps.
    public let fmem: FMem
    /// FMem's DRAM.
    public let dram: MainMemory
    /// The link to the remote nodes.
    public let network: RemoteNetwork
    /// Victim choice, recall bookkeeping and write-back.
    public let engine: EvictionEngine
    public private(set) var id = ComponentID(raw: .max)
    private let outbox: TimedOutbox
    private unowned(unsafe) let simulator: Simulator
    private let blockShift: UInt64
    private let linesPerBlock: Int
    /// Requests held per block being fetched, evicted or waiting for a frame.
    private var held = LineMap<[CoherenceMessage]>()
    /// Misses waiting for a frame or for the outstanding limit, in order: (block, critical line).
    private var pendingMisses: [(block: UInt64, line: UInt64)] = []
    private var criticalLine: [UInt64]
    private var operations = 0
    private var forwarding = false
    private var workScheduled = false
    private var writebacksDue: [Int] = []
    private var failure: ProtocolViolation?
    private var watch = LineWatch()
    /// The pipeline's entry: a bounded number of messages per FPGA cycle.
    public private(set) var lookups: LookupPort

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
    private var tracer: SignalTracer?
    private var signals: (lookups: SignalID?, occupancy: SignalID?, dirty: SignalID?, accessed: SignalID?, engine: SignalID?,
                          fetches: SignalID?)

    /// An FPGA home agent (home number `index`) registered with `simulator`.
    public init(path: String, index: Int, table: HomeProtocol.Table, fmem: FMem, dram: MainMemory, network: RemoteNetwork,
                parameters: Parameters, outbox: TimedOutbox, simulator: Simulator, stats: StatsRegistry) {
        self.path = path
        self.parameters = parameters
        self.fmem = fmem
        self.dram = dram
        self.network = network
        self.outbox = outbox
        self.simulator = simulator
        blockShift = UInt64(parameters.blockSize.trailingZeroBitCount)
        linesPerBlock = Int(parameters.blockSize >> LineGeometry.lineShift)
        criticalLine = [UInt64](repeating: 0, count: fmem.frames)
        controller = HomeController(index: index, table: table, network: outbox)
        lookups = LookupPort(clock: parameters.clock, perCycle: parameters.lookupsPerCycle)
        engine = EvictionEngine(path: path, frames: fmem, dram: dram, network: network, parameters: parameters.eviction, stats: stats)
        id = simulator.register(self)
        network.client = self
        controller.values = self
        controller.onMemoryAccess = { [unowned(unsafe) self] line, isWrite in self.memoryAccess(line, isWrite: isWrite) }
        controller.onOwnershipGranted = { [unowned(unsafe) self] line in
            if self.parameters.dirtyOnGrant, let f = self.fmem.frame(of: line >> (self.blockShift - LineGeometry.lineShift)) {
                self.fmem.setDirty(f, line: self.offset(line))
            }
        }
        controller.onRecalled = { [unowned(unsafe) self] line in self.recalled(line) }
        controller.onTransition = { [unowned(unsafe) self] line, before, _, after in self.transitioned(line, before, after) }
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
        count("fmem.dirty_bits", "dirty bits set at the end (lines of resident blocks modified since fetched)", "lines") { UInt64($0.fmem.dirtyBits) }
        count("fmem.access_bits", "access bits set at the end", "lines") { UInt64($0.fmem.accessBits) }
        registerLookupStatistics(path, stats) { [unowned self] in [self.lookups] }
        stats.formula(path + ".fmem.hit_rate", "requests that found their block in FMem / requests", unit: "ratio") { [unowned self] in
            .real(self.requests == 0 ? 0 : Double(self.hits) / Double(self.requests))
        }
        stats.formula(path + ".fmem.occupancy", "fraction of FMem's blocks allocated at the end", unit: "ratio") { [unowned self] in
            .real(Double(self.fmem.allocated) / Double(self.fmem.frames))
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
        if let id = signals.occupancy { tracer.record(id, at: time, .bits(UInt64(fmem.allocated))) }
        if let id = signals.dirty { tracer.record(id, at: time, .bits(UInt64(fmem.dirtyBits))) }
        if let id = signals.accessed { tracer.record(id, at: time, .bits(UInt64(fmem.accessBits))) }
    }

    private func traceEngine(_ state: String, at time: Tick) {
        guard let tracer, let id = signals.engine else { return }
        tracer.record(id, at: time, .string(engine.evicting == 0 ? "idle" : state))
    }

    // MARK: Values

    /// The value of `line` in FMem (its block must be there).
    public func value(of line: UInt64) -> UInt64 { fmem.value(ofLine: line) ?? 0 }
    public func store(_ value: UInt64, to line: UInt64) { fmem.setValue(value, ofLine: line) }
    /// The value of `line` in FMem, if its block is there.
    public func fmemValue(_ line: UInt64) -> UInt64? { fmem.value(ofLine: line) }
    /// The value of `line` in remote memory.
    public func remoteValue(_ line: UInt64) -> UInt64 { engine.remoteValue(ofLine: line) }

    // MARK: Addresses

    @inline(__always) private func block(of line: UInt64) -> UInt64 { line >> (blockShift - LineGeometry.lineShift) }
    @inline(__always) private func offset(_ line: UInt64) -> Int { Int(line & UInt64(linesPerBlock - 1)) }
    private func firstLine(of block: UInt64) -> UInt64 { block << (blockShift - LineGeometry.lineShift) }

    /// The remote node that holds `block`.
    public func node(of block: UInt64) -> Int { parameters.nodes.node(of: block) }

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
            let b = block(of: message.line)
            if held[b] != nil {
                held[b]!.append(message)
                return
            }
            if let f = fmem.frame(of: b) {
                hits += 1
                fmem.touch(f)
                fmem.setAccessed(f, line: offset(message.line))
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

    /// FMem timing and the dirty bitmap for the directory's memory reads and writes.
    private func memoryAccess(_ line: UInt64, isWrite: Bool) {
        guard let f = fmem.frame(of: block(of: line)) else {
            fail(line, "memory \(isWrite ? "write" : "read") of a line whose block is not in FMem")
            return
        }
        if isWrite {
            fmem.setDirty(f, line: offset(line))
            dram.writeback(line: line, at: outbox.time)
        } else if !forwarding {
            outbox.time = dram.read(line: line, at: outbox.time)
        }
    }

    private func fail(_ line: UInt64, _ problem: String) {
        if failure == nil {
            failure = ProtocolViolation(component: path, line: line, state: controller.state(line).name, event: "memory", message: problem)
        }
    }

    /// Counts lines in a transaction per frame (a block with any is not evicted), and keeps
    /// the bitmap of lines the sockets hold (the lines an eviction recalls).
    private func transitioned(_ line: UInt64, _ before: HomeProtocol.State, _ after: HomeProtocol.State) {
        if watch.tracer != nil { watch.note(line, after.name, at: max(outbox.time, simulator.now)) }
        if engine.directoryChanged(line, from: before, to: after) && !pendingMisses.isEmpty { scheduleWork() }
    }

    // MARK: Misses and fetches

    private func startMiss(_ b: UInt64, line: UInt64, at time: Tick) {
        if operations >= parameters.maxOutstanding {
            pendingMisses.append((b, line))
            return
        }
        if !tryAllocate(b, line: line, at: time) { pendingMisses.append((b, line)) }
    }

    /// Allocates and fetches `b`, or starts an eviction in its set; false if it must wait.
    private func tryAllocate(_ b: UInt64, line: UInt64, at time: Tick) -> Bool {
        if let f = fmem.allocate(b) {
            fetch(f, b, line: line, at: time)
            backgroundEvictions(at: time)
            return true
        }
        if operations < parameters.maxOutstanding, let victim = engine.victim(forSetOf: b, eligible: evictable) {
            startEviction(victim, at: time)
        }
        return false
    }

    private func evictable(_ f: Int) -> Bool { !engine.isBusy(f) && held[fmem.block(in: f)] == nil }

    private func fetch(_ f: Int, _ b: UInt64, line: UInt64, at time: Tick) {
        operations += 1
        fetches += 1
        engine.beginFetch(f)
        criticalLine[f] = line
        network.read(bytes: parameters.blockSize, node: node(of: b), criticalFirst: parameters.criticalFirst,
                     tag: UInt64(f), at: time)
        if let tracer, let id = signals.fetches { tracer.adjust(id, at: time, by: 1) }
    }

    /// A packet of a fetch arrives at `time`: the lines it completes are written into FMem's
    /// DRAM then (a packet need not hold whole lines: `net.mtu` is any size).
    public func readPacket(_ tag: UInt64, bytes: UInt64, arrivesAt time: Tick) {
        let f = Int(tag)
        let first = firstLine(of: fmem.block(in: f))
        for i in fmem.fill(f, bytes: bytes) { dram.writeback(line: first + i, at: time) }
    }

    /// The requested line of a fetch arrived first: serve the requests for it now.
    public func readCriticalArrived(_ tag: UInt64) throws(SimulationError) {
        let f = Int(tag), now = simulator.now
        let b = fmem.block(in: f)
        let line = criticalLine[f]
        if let waiting = held[b] {
            held[b] = waiting.filter { $0.line != line }
            serve(waiting.filter { $0.line == line }, frame: f, at: now)
        }
        try finishEvent(at: now)
    }

    /// The whole block arrived: it is resident, and every request held for it is served.
    public func readCompleted(_ tag: UInt64) throws(SimulationError) {
        let f = Int(tag), now = simulator.now
        if let tracer, let id = signals.fetches { tracer.adjust(id, at: now, by: -1) }
        operations -= 1
        fmem.markResident(f)
        let waiting = held.removeValue(forKey: fmem.block(in: f)) ?? []
        serve(waiting, frame: f, at: now)
        retryPendingMisses(at: now)
        try finishEvent(at: now)
    }

    /// An eviction's network write was acknowledged; the last one frees the frame.
    public func writeCompleted(_ tag: UInt64) throws(SimulationError) {
        let f = Int(tag)
        if engine.writeCompleted(f) { evicted(f, at: simulator.now) }
        try finishEvent(at: simulator.now)
    }

    /// After handling an event: trace the bitmaps and report a failure.
    private func finishEvent(at now: Tick) throws(SimulationError) {
        if tracer != nil { traceState(at: now) }
        if let failure { throw failure.asSimulationError(at: now) }
    }

    // MARK: Evictions

    private func startEviction(_ f: Int, at time: Tick) {
        let b = fmem.block(in: f)
        operations += 1
        if held[b] == nil { held[b] = [] }
        engine.begin(f, at: time)
        traceEngine("recall", at: time)
        outbox.time = time
        if !engine.recallLines(f, firstLine: firstLine(of: b), through: controller, failure: &failure) { writeBack(f, at: time) }
    }

    private func recalled(_ line: UInt64) {
        guard let f = fmem.frame(of: block(of: line)), fmem.states[f] == .evicting else {
            fail(line, "a line was recalled but its block is not being evicted")
            return
        }
        if engine.recalled(f) {
            writebacksDue.append(f)         // after the controller has finished this transition
            scheduleWork()
        }
    }

    /// Sends the frame's dirty lines (or all of them) to remote memory.
    private func writeBack(_ f: Int, at time: Tick) {
        let b = fmem.block(in: f)
        let writing = engine.writeBack(f, node: node(of: b), firstLine: firstLine(of: b), at: time)
        traceEngine("write", at: time)
        if !writing {          // nothing to write: the frame is free once recalled
            simulator.schedule(at: time, target: id, kind: Kind.evicted.rawValue, payload: UInt64(f))
        }
    }

    /// Starts background evictions while occupancy is above the high watermark, until it
    /// is at the low one.
    private func backgroundEvictions(at time: Tick) {
        engine.evictInBackground(canStart: { operations < parameters.maxOutstanding }, eligible: evictable) {
            startEviction($0, at: time)
        }
    }

    // MARK: Events

    private func scheduleWork() {
        guard !workScheduled else { return }
        workScheduled = true
        simulator.schedule(at: simulator.now, target: id, kind: Kind.work.rawValue)
    }

    public func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        let now = simulator.now
        let f = Int(event.payload)
        switch Kind(rawValue: event.kind)! {
        case .evicted:
            evicted(f, at: now)
        case .work:
            workScheduled = false
            let due = writebacksDue
            writebacksDue = []
            for frame in due { writeBack(frame, at: now) }
            retryPendingMisses(at: now)
        }
        try finishEvent(at: now)
    }

    /// Frame `f`'s eviction is over (its writes acknowledged): the frame is free.
    private func evicted(_ f: Int, at now: Tick) {
        let b = fmem.block(in: f)
        operations -= 1
        engine.finish(f, at: now)
        traceEngine("write", at: now)
        if let waiting = held.removeValue(forKey: b), !waiting.isEmpty {
            // The block is needed again: fetch it anew, after the misses that waited
            // longer (the freed frame goes to the oldest).
            held[b] = waiting
            pendingMisses.append((b, waiting[0].line))
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
        for message in messages {
            fmem.touch(f)
            fmem.setAccessed(f, line: offset(message.line))
            let t = lookups.admit(at: time) + parameters.directoryLatency
            do { try deliver(message, at: t) } catch { if failure == nil { failure = error } }
        }
    }

    private func retryPendingMisses(at time: Tick) {
        guard !pendingMisses.isEmpty else { return }
        var still: [(block: UInt64, line: UInt64)] = []
        for miss in pendingMisses {
            if operations >= parameters.maxOutstanding || !tryAllocate(miss.block, line: miss.line, at: time) {
                still.append(miss)
            }
        }
        pendingMisses = still
    }

    public func outstandingTransactions() -> [String] {
        var out: [String] = []
        if !pendingMisses.isEmpty { out.append("\(pendingMisses.count) miss(es) wait for an FMem frame") }
        for b in held.sortedKeys where !(held[b]?.isEmpty ?? true) {
            out.append("block 0x\(String(b << blockShift, radix: 16)): \(held[b]!.count) request(s) held")
        }
        return out
    }
}
