import KonaEngine
import KonaProtocol

/// What every home of remote memory does, whatever brings its blocks in (the FPGA's fetches,
/// the paging model's faults): the base of `FPGAHomeAgent` and `PagingHomeAgent`.
///
/// - A directory (`controller`, the FPGA table of `HomeProtocol`) in front of a frame cache
///   (`frames`: FMem, or the page cache in local DRAM) whose lines' values it serves.
/// - The directory's memory reads and writes: DRAM timing, and a write sets the line's dirty bit.
/// - Requests held per block (`held`) while the block is absent, arriving or leaving.
/// - Eviction as the `EvictionEngine` runs it: `recall` the block's lines from the CPU caches,
///   write back once the last is home (after the controller has finished that transition:
///   `work`), and the frame is free when the write is acknowledged (`evicted`).
/// - One protocol violation met outside a message's delivery (`failure`), thrown when the
///   event that met it ends.
///
/// A subclass adds its miss path and overrides the hooks: `transitioned`, `writebackStarted`,
/// `evicted` (calling this class's when the frame is freed; the paging model's remap instead
/// calls the eviction off), `didWork`, `handleOwn` for its own event kinds (any
/// but the two highest, which are this class's), `waiting` for its own outstanding work, and
/// the two read completions of `RemoteNetworkClient`.
public class RemoteHomeAgent: Component, LineValueStore, RemoteNetworkClient {
    private enum Kind: UInt32 { case issueWriteBack = 0xffff_fffd, evicted = 0xffff_fffe, work = 0xffff_ffff }

    public let path: String
    /// The directory of the remote lines; their values live in `frames`.
    public let controller: DirectoryController
    /// The frames with their dirty and access bits (one per line).
    public let frames: FrameCache
    /// The DRAM the frames live in.
    public let dram: MainMemory
    /// The link to the remote nodes.
    public let network: RemoteNetwork
    /// Victim choice, recall bookkeeping and write-back.
    public let engine: EvictionEngine
    /// Which remote node holds each block.
    public let nodes: RemoteNodeMap
    public private(set) var id = ComponentID(raw: .max)
    /// The directory's entry: a bounded number of messages per cycle.
    public internal(set) var lookups: LookupPort
    let outbox: TimedOutbox
    unowned(unsafe) let simulator: Simulator
    let blockShift: UInt64
    let linesPerBlock: Int
    /// From a block's lines being home to its write-back being issued (0 on the FPGA).
    private let writebackDelay: Tick
    /// Whether a write-back takes its network slot when it is issued (a software path posts
    /// it later) rather than when handed over (the FPGA's, whose data is read meanwhile).
    private let writesPostedLater: Bool
    /// How messages name a block ("block", "page") and the frame cache ("FMem", "the page cache").
    private let names: (block: String, cache: String)
    /// Requests held per block while it is absent, arriving or leaving.
    var held = LineMap<[CoherenceMessage]>()
    /// Frames whose lines are all home, written back once the transition that brought the last has finished.
    private var writebacksDue: [Int] = []
    /// The write-backs a `work` event is starting (the other buffer of `writebacksDue`).
    private var writingBack: [Int] = []
    private var workScheduled = false
    /// The first protocol violation met outside a message's delivery.
    var failure: ProtocolViolation?
    /// While set, the directory's memory reads take no DRAM time (their data comes from the network).
    var forwarding = false
    /// An eviction leaves the lines the sockets hold with them (`Release`) instead of recalling
    /// them (a non-inclusive FMem; set by the subclass before any eviction).
    var releasesHeldLines = false
    /// Lines released by evictions (left valid in the CPU caches).
    private(set) var releasedLines: UInt64 = 0
    /// Per line recalled by an eviction, when it was home (until a socket requests it again);
    /// kept only while `countsRecalls` (the FPGA counts inclusion victims by it).
    var recalledAt = LineMap<Tick>()
    var countsRecalls = false
    /// How long a recall record can still count (the inclusion-victim window): older records
    /// are dropped whenever the records have doubled since the last pruning, so they stay
    /// bounded by the lines recalled within a window, not by the footprint.
    var recallRecordLifetime: Tick = .max
    private var recallRecordsPruneAt = 4096
    /// Single-line writes to remote memory not yet acknowledged.
    private var remoteLineWritesInFlight = 0
    /// The network tag of a single-line write (frames' tags are their numbers).
    private static let remoteLineWriteTag = UInt64.max

    /// A remote home (home number `index`) of blocks of `blockSize` bytes, registered with `simulator`.
    init(path: String, index: Int, table: HomeProtocol.Table, frames: FrameCache, dram: MainMemory, network: RemoteNetwork,
         eviction: EvictionEngine.Parameters, nodes: RemoteNodeMap, blockSize: UInt64, writebackDelay: Tick,
         writesPostedLater: Bool, lookups: LookupPort, names: (block: String, cache: String), outbox: TimedOutbox, simulator: Simulator,
         stats: StatsRegistry) {
        self.path = path
        self.frames = frames
        self.dram = dram
        self.network = network
        self.nodes = nodes
        self.lookups = lookups
        self.writebackDelay = writebackDelay
        self.writesPostedLater = writesPostedLater
        self.names = names
        self.outbox = outbox
        self.simulator = simulator
        blockShift = UInt64(blockSize.trailingZeroBitCount)
        linesPerBlock = Int(blockSize >> LineGeometry.lineShift)
        engine = EvictionEngine(path: path, frames: frames, dram: dram, network: network, parameters: eviction, stats: stats)
        controller = DirectoryController(index: index, table: table, network: outbox)
        id = simulator.register(self)
        network.client = self
        controller.values = self
        // Called through a guaranteed reference: an unowned(unsafe) capture is retained per call.
        let me = Unmanaged.passUnretained(self)
        controller.onMemoryAccess = { line, isWrite in me._withUnsafeGuaranteedRef { $0.memoryAccess(line, isWrite: isWrite) } }
        controller.onRecalled = { line in me._withUnsafeGuaranteedRef { $0.recalled(line) } }
        controller.onTransition = { line, before, _, after in me._withUnsafeGuaranteedRef { $0.transitioned(line, before, after) } }
        registerLookupStatistics(path, stats) { [unowned self] in [self.lookups] }
    }

    // MARK: Addresses and values

    @inline(__always) final func block(of line: UInt64) -> UInt64 { line >> (blockShift - LineGeometry.lineShift) }
    @inline(__always) final func offset(_ line: UInt64) -> Int { Int(line & UInt64(linesPerBlock - 1)) }
    final func firstLine(of block: UInt64) -> UInt64 { block << (blockShift - LineGeometry.lineShift) }

    /// The value of `line` in the frame cache (its block must be there).
    public final func value(of line: UInt64) -> UInt64 { frames.value(ofLine: line) ?? 0 }
    public final func store(_ value: UInt64, to line: UInt64) { frames.setValue(value, ofLine: line) }
    /// The value of `line` in the frame cache, if its block is there.
    public final func cachedValue(_ line: UInt64) -> UInt64? { frames.value(ofLine: line) }
    /// The value of `line` in remote memory.
    public final func remoteValue(_ line: UInt64) -> UInt64 { engine.remoteValue(ofLine: line) }

    // MARK: The directory

    /// Hands `message`, a request for frame `f`'s resident block, to the directory at `time`:
    /// the frame is touched and the line's access bit set; a violation is kept for the event's end.
    final func serve(_ message: CoherenceMessage, frame f: Int, at time: Tick) {
        frames.touch(f)
        frames.setAccessed(f, line: offset(message.line))
        outbox.time = time
        do { try controller.receive(message) } catch { if failure == nil { failure = error } }
    }

    /// DRAM timing and the dirty bits for the directory's memory reads and writes.
    private func memoryAccess(_ line: UInt64, isWrite: Bool) {
        guard let f = frames.frame(of: block(of: line)) else {
            fail(line, "memory \(isWrite ? "write" : "read") of a line whose \(names.block) is not in \(names.cache)")
            return
        }
        if isWrite {
            frames.setDirty(f, line: offset(line))
            dram.writeback(line: line, at: outbox.time)
        } else if !forwarding {
            outbox.time = dram.read(line: line, at: outbox.time)
        }
    }

    /// Whether `line`'s block has a frame that is not leaving (resident or arriving): the
    /// directory's memory for the line. A non-inclusive FPGA's directory asks it.
    final func isBacked(_ line: UInt64) -> Bool {
        guard let f = frames.frame(of: block(of: line)) else { return false }
        return frames.states[f] != .evicting
    }

    /// An owner's dirty writeback of `line` while its block is out: straight to remote memory.
    final func writeRemote(_ line: UInt64, _ value: UInt64) {
        remoteLineWritesInFlight += 1
        engine.writeLine(line, value: value, node: nodes.node(of: block(of: line)), tag: Self.remoteLineWriteTag, at: outbox.time)
    }

    /// Records the first violation; it is thrown when the current event ends.
    final func fail(_ line: UInt64, _ problem: String) {
        if failure == nil {
            failure = ProtocolViolation(component: path, line: line, state: controller.state(line).name, event: "memory", message: problem)
        }
    }

    /// The directory moved `line` from `before` to `after` (a subclass tells the eviction engine).
    func transitioned(_ line: UInt64, _ before: HomeProtocol.State, _ after: HomeProtocol.State) {}

    private func recalled(_ line: UInt64) {
        guard let f = frames.frame(of: block(of: line)), frames.states[f] == .evicting else {
            fail(line, "a line was recalled but its \(names.block) is not being evicted")
            return
        }
        if countsRecalls {
            recalledAt[line] = simulator.now
            if recalledAt.count >= recallRecordsPruneAt { pruneRecallRecords() }
        }
        if engine.recalled(f) {
            writebacksDue.append(f)         // after the controller has finished this transition
            scheduleWork()
        }
    }

    /// Drops the recall records older than `recallRecordLifetime` (a request after that would
    /// not count, so no figure moves). The records kept are the same in any order: none is sorted.
    private func pruneRecallRecords() {
        let now = simulator.now, lifetime = recallRecordLifetime
        var kept = LineMap<Tick>()
        recalledAt.forEachInSlotOrder { line, at in
            if now - at <= lifetime { kept[line] = at }
        }
        recalledAt = kept
        recallRecordsPruneAt = max(4096, 2 * kept.count)
    }

    // MARK: Eviction

    /// Recalls frame `f`'s lines from the CPU caches (its eviction has begun), or releases them
    /// (`releasesHeldLines`); with none recalled it is written back at once.
    final func recall(_ f: Int, at time: Tick) {
        outbox.time = time
        if releasesHeldLines {
            releasedLines += UInt64(engine.releaseLines(f, firstLine: firstLine(of: frames.block(in: f)), through: controller,
                                                        failure: &failure))
            writeBack(f, at: time)
        } else if !engine.recallLines(f, firstLine: firstLine(of: frames.block(in: f)), through: controller, failure: &failure) {
            writeBack(f, at: time)
        }
    }

    /// Sends frame `f`'s dirty lines (or all of them, by the engine's variant) to remote
    /// memory, `writebackDelay` from now; with nothing to send the frame is free now. The
    /// write-back is decided now; after a delay its lines are read out of the DRAM by an
    /// event then, so that the DRAM sees them at their time, not ahead of the requests in between.
    private func writeBack(_ f: Int, at time: Tick) {
        let b = frames.block(in: f)
        let issue = time + writebackDelay
        let sending: Bool
        if issue > time {
            sending = engine.decideWriteBack(f)
            if sending { simulator.schedule(at: issue, target: id, kind: Kind.issueWriteBack.rawValue, payload: UInt64(f)) }
        } else {
            sending = engine.writeBack(f, node: nodes.node(of: b), firstLine: firstLine(of: b), at: issue,
                                       postedLater: writesPostedLater)
        }
        if !sending { simulator.schedule(at: time, target: id, kind: Kind.evicted.rawValue, payload: UInt64(f)) }
        writebackStarted(f, at: time, issued: issue, sending: sending)
    }

    /// Frame `f`'s write-back started at `time`: its writes leave at `issued`, or it had
    /// nothing to send (`sending` false: the frame is freed by an event now).
    func writebackStarted(_ f: Int, at time: Tick, issued: Tick, sending: Bool) {}

    /// Frame `f`'s eviction is over (its writes acknowledged): the frame is free. A subclass
    /// reads what it needs of the frame, calls this, then serves what waited for the block.
    func evicted(_ f: Int, at now: Tick) { engine.finish(f, at: now) }

    // MARK: The network

    /// A packet of a read arrives at `time`: the lines it completes are written into the
    /// frames' DRAM then (a packet need not hold whole lines: `net.mtu` is any size).
    public final func readPacket(_ tag: UInt64, bytes: UInt64, arrivesAt time: Tick) {
        let f = Int(tag)
        let first = firstLine(of: frames.block(in: f))
        let lines = frames.fill(f, bytes: bytes)
        if !lines.isEmpty { dram.fill(from: first + lines.lowerBound, count: lines.count, at: time) }
    }

    public func readCriticalArrived(_ tag: UInt64) throws(SimulationError) {}
    public func readCompleted(_ tag: UInt64) throws(SimulationError) {}

    /// An eviction's network write was acknowledged; the last one frees the frame (unless
    /// its eviction was called off meanwhile, as the paging model's remap does: then the
    /// block stays; the FPGA never calls one off).
    public final func writeCompleted(_ tag: UInt64) throws(SimulationError) {
        if tag == Self.remoteLineWriteTag {
            remoteLineWritesInFlight -= 1
            return
        }
        let f = Int(tag)
        if engine.writeCompleted(f) && frames.states[f] == .evicting { evicted(f, at: simulator.now) }
        try finishEvent(at: simulator.now)
    }

    // MARK: Events

    /// Asks for one `work` event now (write-backs due, then the subclass's `didWork`).
    final func scheduleWork() {
        guard !workScheduled else { return }
        workScheduled = true
        simulator.schedule(at: simulator.now, target: id, kind: Kind.work.rawValue)
    }

    public final func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        let now = simulator.now
        switch event.kind {
        case Kind.evicted.rawValue:
            evicted(Int(event.payload), at: now)
        case Kind.issueWriteBack.rawValue:
            let f = Int(event.payload), b = frames.block(in: f)
            engine.issueWriteBack(f, node: nodes.node(of: b), firstLine: firstLine(of: b), at: now, postedLater: writesPostedLater)
        case Kind.work.rawValue:
            workScheduled = false
            swap(&writebacksDue, &writingBack)         // two buffers, reused: no allocation per event
            for f in writingBack { writeBack(f, at: now) }
            writingBack.removeAll(keepingCapacity: true)
            didWork(at: now)
        default:
            handleOwn(event, at: now)
        }
        try finishEvent(at: now)
    }

    /// The rest of a `work` event, after the write-backs due.
    func didWork(at now: Tick) {}

    /// An event of the subclass's own kinds.
    func handleOwn(_ event: Event, at now: Tick) { preconditionFailure("\(path): no event of kind \(event.kind)") }

    /// After handling an event: report a failure.
    func finishEvent(at now: Tick) throws(SimulationError) {
        if let failure { throw failure.asSimulationError(at: now) }
    }

    // MARK: Outstanding work

    /// What the subclass waits on, before the held requests.
    func waiting() -> [String] { [] }

    public final func outstandingTransactions() -> [String] {
        var out = waiting()
        if remoteLineWritesInFlight > 0 { out.append("\(remoteLineWritesInFlight) line write(s) to remote memory in flight") }
        for b in held.sortedKeys where !(held[b]?.isEmpty ?? true) {
            out.append("\(names.block) 0x\(String(b << blockShift, radix: 16)): \(held[b]!.count) request(s) held")
        }
        return out
    }
}
