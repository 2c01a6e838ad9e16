import KonaEngine
import KonaProtocol

/// The device of Kona on CXL (HDM-DB): its coherence engine runs `CXLDeviceProtocol` through
/// `CXLDeviceEngine` over a finite snoop filter (`CXLSnoopFilter`), in front of FMem (a
/// `FrameCache` of remote blocks with dirty bits, in its own DRAM), which misses fill from the
/// remote nodes over a `RemoteNetwork` and an `EvictionEngine` empties.
///
/// A message from a host arrives (its link time already spent) and is handled
/// `pipelineLatency` later. A request (`MemRd`, `MemRdData`, `MemWrPtl`) for a block not in FMem
/// waits, with any later request for the block, while the block is fetched whole (evicting a
/// victim of its set first if the set is full); a request whose line has no snoop filter entry
/// takes one, and if its set is full the filter's victim is given up first (`Evict`:
/// back-invalidation) while the request waits. An FMem eviction gives up every entry of the
/// victim's lines first (`Evict`, once each entry is stable), so dirty data the hosts held
/// reaches FMem as `MemWr` before the frame's dirty lines are written to remote memory; the
/// frame is free when the writes are acknowledged. Messages to the hosts go through the
/// `CXLLink` and are handed to `toHost` with their arrival time.
///
/// With `hostOnlyCoherent` (HDM-H, a plain memory expander) the device's DRAM holds every line
/// of the range: no snoop filter, no FMem, no fetch, no back-invalidation (`serveHostOnly`).
///
/// A block fetched from remote memory is written into FMem's DRAM as one burst train per
/// arriving packet (`MainMemory.fill`), and the requests held for it take their data from the
/// arriving block, as the FPGA home's do.
///
/// Simplified: a request's data waits for the whole block (no critical line first); fetches
/// and evictions in flight are not limited; data values are not tracked (`--check` needs the
/// timed home).
public final class CXLDeviceAgent: Component, RemoteNetworkClient, CXLDeviceEffects {
    /// What a run of the device is configured with, in base units.
    public struct Parameters: Sendable {
        /// From a message's arrival to its snoop filter lookup.
        public var pipelineLatency: Tick
        public var blockSize: UInt64
        public var eviction: EvictionEngine.Parameters
        public var nodes: RemoteNodeMap
        /// HDM-H: a plain memory expander whose DRAM is the whole backing store (see `serveHostOnly`).
        public var hostOnlyCoherent: Bool

        public init(pipelineLatency: Tick, blockSize: UInt64, eviction: EvictionEngine.Parameters, nodes: RemoteNodeMap,
                    hostOnlyCoherent: Bool = false) {
            self.pipelineLatency = pipelineLatency
            self.blockSize = blockSize
            self.eviction = eviction
            self.nodes = nodes
            self.hostOnlyCoherent = hostOnlyCoherent
        }
    }

    /// A message from a host, as the device keeps it while it waits.
    public struct Packet: Sendable {
        public var message: CXLMessage
        public var line: UInt64
        public var host: Int
        /// For `MemWr`: its MetaValue says the host keeps a copy.
        public var keepsCopy: Bool
        /// A request counted as an FMem hit on arrival: if its block has gone when it is
        /// served (it waited for a snoop filter entry), the count is taken back.
        var countedHit = false

        public init(_ message: CXLMessage, line: UInt64, host: Int, keepsCopy: Bool = false) {
            self.message = message
            self.line = line
            self.host = host
            self.keepsCopy = keepsCopy
        }
    }

    private enum Kind: UInt32 { case arrive, evicted }

    public let path: String
    public private(set) var id = ComponentID(raw: .max)
    public let parameters: Parameters
    public let filter: CXLSnoopFilter
    public let frames: FrameCache
    public let dram: MainMemory
    public let network: RemoteNetwork
    public let engine: EvictionEngine
    public let link: CXLLink
    let table: CXLDeviceProtocol.Table
    unowned(unsafe) let simulator: Simulator
    /// Where S2M messages go: (message, line, host, arrival time); the owner delivers them.
    public var toHost: ((CXLMessage, UInt64, Int, Tick) -> Void)?

    private let linesPerBlock: Int
    /// Messages that arrived and wait for the pipeline, by arrival order (a ring of event payloads).
    private var arriving: [Packet] = []
    private var arrivingHead = 0
    /// Requests parked by the table per line, in order.
    private var parked = LineMap<[Packet]>()
    /// Requests held per block while it is fetched or evicted.
    private var held = LineMap<[Packet]>()
    /// Requests waiting for a snoop filter entry, in order.
    private var waitingForEntry: [Packet] = []
    /// Per snoop filter set, entries being given up to make room; per entry, whether it is one.
    private var capacityEvicting: [Int32]
    private var capacityVictim: [Bool]
    /// Blocks whose fetch waits for a frame, in order: a miss whose set has not opened since
    /// it last failed would fail again, and a retry skips it.
    private var pendingMisses = PendingMisses()
    /// Per numbered frame: snoop filter entries of its lines still to give up before its write-back.
    private var entriesLeft: [Int] = []
    /// The block whose fetch has just completed while its held requests are served: their data
    /// comes from the arriving block, not FMem's DRAM (as the FPGA home's `forwarding`); `.max`: none.
    private var forwardingBlock = UInt64.max
    /// The time the current message's effects happen at, and its line.
    private var time: Tick = 0
    private var currentLine: UInt64 = 0
    /// The first protocol error, thrown when the current event ends.
    private var failure: CXLProtocolError?

    /// Requests from the hosts, and of those the ones served from FMem.
    public private(set) var requests: UInt64 = 0
    public private(set) var hits: UInt64 = 0
    public private(set) var fetches: UInt64 = 0
    /// Back-invalidation snoops sent, by kind, and conflicts the hosts raised.
    public private(set) var bisnp: (inv: UInt64, data: UInt64, cur: UInt64) = (0, 0, 0)
    public private(set) var conflicts: UInt64 = 0
    /// Snoop filter entries given up for an FMem eviction, and to make room in a full set.
    public private(set) var fmemRecalls: UInt64 = 0
    public private(set) var capacityEvictions: UInt64 = 0

    /// A device registered with `simulator`. Its statistics: the CXL ones under `path`
    /// (`bisnp.*`, `conflicts`, `snoop_filter.*`), FMem's and the eviction engine's under
    /// `fmemPath` with the FPGA's names (`requests`, `fmem.*`, `fetches`, `evictions`, ...).
    public init(path: String, fmemPath: String, table: CXLDeviceProtocol.Table = CXLDeviceProtocol.table, filter: CXLSnoopFilter,
                frames: FrameCache, dram: MainMemory, network: RemoteNetwork, link: CXLLink, parameters: Parameters,
                simulator: Simulator, stats: StatsRegistry) {
        self.path = path
        self.table = table
        self.filter = filter
        self.frames = frames
        self.dram = dram
        self.network = network
        self.link = link
        self.parameters = parameters
        self.simulator = simulator
        linesPerBlock = Int(parameters.blockSize >> LineGeometry.lineShift)
        capacityEvicting = [Int32](repeating: 0, count: filter.tags.sets)
        capacityVictim = [Bool](repeating: false, count: filter.entries.count)
        engine = EvictionEngine(path: fmemPath, frames: frames, dram: dram, network: network, parameters: parameters.eviction, stats: stats)
        entriesLeft = [Int](repeating: 0, count: frames.numberedFrames)
        id = simulator.register(self)
        network.client = self
        frames.observeNumbering { [unowned self] in self.entriesLeft.append(0) }
        registerStatistics(stats, fmemPath: fmemPath)
    }

    private func registerStatistics(_ stats: StatsRegistry, fmemPath: String) {
        func count(_ name: String, _ doc: String, _ unit: String, under prefix: String? = nil, _ read: @escaping (CXLDeviceAgent) -> UInt64) {
            stats.formula((prefix ?? path) + "." + name, doc, unit: unit) { [unowned self] in .integer(read(self)) }
        }
        count("requests", "requests from the host (MemRd, MemRdData, MemWrPtl)", "requests", under: fmemPath) { $0.requests }
        count("fmem.hits", "requests served from FMem (one whose block left while it waited for a snoop filter entry is a miss)", "requests", under: fmemPath) { $0.hits }
        count("fmem.misses", "requests whose block was not resident (fetched, or waiting for a fetch or an eviction), or left while they waited", "requests",
              under: fmemPath) { $0.requests - $0.hits }
        count("fetches", "blocks fetched from remote memory", "blocks", under: fmemPath) { $0.fetches }
        count("fmem.dirty_bits", "dirty bits set at the end (lines of resident blocks modified since fetched)", "lines",
              under: fmemPath) { UInt64($0.frames.dirtyBits) }
        count("fmem.access_bits", "access bits set at the end", "lines", under: fmemPath) { UInt64($0.frames.accessBits) }
        stats.formula(fmemPath + ".fmem.hit_rate", "requests that found their block in FMem / requests", unit: "ratio") { [unowned self] in
            .real(self.requests == 0 ? 0 : Double(self.hits) / Double(self.requests))
        }
        stats.formula(fmemPath + ".fmem.occupancy", "fraction of FMem's blocks allocated at the end", unit: "ratio") { [unowned self] in
            .real(Double(self.frames.allocated) / Double(self.frames.frames))
        }
        count("bisnp.inv", "BISnpInv sent", "messages") { $0.bisnp.inv }
        count("bisnp.data", "BISnpData sent", "messages") { $0.bisnp.data }
        count("bisnp.cur", "BISnpCur sent", "messages") { $0.bisnp.cur }
        count("conflicts", "BIConflict received (a host request crossed a BISnp)", "messages") { $0.conflicts }
        count("snoop_filter.capacity_evictions", "entries given up because their set was full", "entries") { $0.capacityEvictions }
        count("snoop_filter.fmem_evictions", "entries given up because their FMem block was evicted", "entries") { $0.fmemRecalls }
        count("snoop_filter.occupied", "entries allocated at the end", "entries") { UInt64($0.filter.occupied) }
    }

    @inline(__always) private func block(of line: UInt64) -> UInt64 { line >> (UInt64(parameters.blockSize.trailingZeroBitCount) - LineGeometry.lineShift) }
    @inline(__always) private func offset(_ line: UInt64) -> Int { Int(line & UInt64(linesPerBlock - 1)) }
    private func firstLine(of block: UInt64) -> UInt64 { block << (UInt64(parameters.blockSize.trailingZeroBitCount) - LineGeometry.lineShift) }

    // MARK: Messages

    /// `packet` arrives from its host now; it is handled after the pipeline.
    public func receive(_ packet: Packet) {
        arriving.append(packet)
        simulator.schedule(at: simulator.now + parameters.pipelineLatency, target: id, kind: Kind.arrive.rawValue)
    }

    public func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        time = simulator.now
        switch event.kind {
        case Kind.arrive.rawValue:
            let packet = arriving[arrivingHead]
            arrivingHead += 1
            if arrivingHead == arriving.count {
                arriving.removeAll(keepingCapacity: true)
                arrivingHead = 0
            }
            take(packet)
        default:
            evicted(Int(event.payload))
        }
        try finishEvent()
    }

    private func finishEvent() throws(SimulationError) {
        if let failure {
            throw SimulationError(.protocolViolation, time: simulator.now, component: path, message: failure.problem)
        }
    }

    /// A message after the pipeline: a request needs its block in FMem and an entry; the others go to the table.
    private func take(_ p: Packet) {
        if parameters.hostOnlyCoherent {
            serveHostOnly(p)
            return
        }
        switch p.message {
        case .MemRd, .MemRdData, .MemWrPtl:
            requests += 1
            let b = block(of: p.line)
            if held[b] != nil {
                held[b]!.append(p)
            } else if let f = frames.frame(of: b) {
                hits += 1
                frames.touch(f)
                frames.setAccessed(f, line: offset(p.line))
                var hit = p
                hit.countedHit = true
                serve(hit)
            } else {
                held[b] = [p]
                startMiss(b)
            }
        default:
            if p.message == .BIConflict { conflicts += 1 }
            deliver(p, entry: filter.find(p.line))
        }
    }

    /// A message that waited (parked, or for an entry): as on arrival, but not counted again.
    /// A request that waited for an entry held no block: if FMem evicted its block meanwhile
    /// it is a miss again (the block is fetched anew), never served from a frame that is gone.
    private func retake(_ p: Packet) {
        switch p.message {
        case .MemRd, .MemRdData, .MemWrPtl:
            let b = block(of: p.line)
            if held[b] == nil && frames.frame(of: b) == nil {
                var miss = p
                if miss.countedHit { hits -= 1; miss.countedHit = false }
                held[b] = [miss]
                startMiss(b)
            } else {
                serve(p)
            }
        default: deliver(p, entry: filter.find(p.line))
        }
    }

    /// A request: held while its block is fetched or evicted; else to the table with the line's
    /// entry, taking one if needed.
    private func serve(_ p: Packet) {
        let b = block(of: p.line)
        if held[b] != nil {
            var miss = p
            if miss.countedHit { hits -= 1; miss.countedHit = false }
            held[b]!.append(miss)
            return
        }
        let i = filter.find(p.line)
        if i >= 0 || p.message == .MemWrPtl {
            deliver(p, entry: i)
            return
        }
        switch filter.allocate(p.line) {
        case .installed(let i):
            deliver(p, entry: i)
        case .evict(let victim, let line):
            // One entry given up per request waiting in the set: more would take back lines
            // just granted, and the waiting requests could take each other's room forever.
            waitingForEntry.append(p)
            let set = filter.tags.set(of: p.line)
            let waiting = waitingForEntry.reduce(0) { $0 + (filter.tags.set(of: $1.line) == set ? 1 : 0) }
            if Int(capacityEvicting[set]) < waiting {
                capacityEvicting[set] += 1
                capacityEvictions += 1
                capacityVictim[victim] = true
                run(.Evict, packet: nil, line: line, entry: victim)
            }
        case .busy:
            waitingForEntry.append(p)
        }
    }

    /// HDM-H: the host's home agent is the only keeper of coherence and the bridge the only
    /// host, so the device keeps no entry. It answers `p` with the HDM-DB table's row for the
    /// entry the host's own state implies (a read: no holder, so the grant row; a write or a
    /// clean eviction: the sender owns the line), then forgets it; its DRAM holds every line.
    /// Simplified: the read's answer is the HDM-DB one, `MemData` and a `Cmp-E` sent ahead of it
    /// (an HDM-H device sends `MemData` alone).
    private func serveHostOnly(_ p: Packet) {
        if p.message == .MemRd || p.message == .MemRdData || p.message == .MemWrPtl {
            requests += 1
            hits += 1
        }
        var entry = CXLDeviceEntry()
        if p.message == .MemWr || p.message == .MemInv {
            entry.state = .E
            entry.owner = Int8(p.host)
        }
        currentLine = p.line
        var me = self
        do {
            let event = try CXLDeviceEngine.refine(p.message, keepsCopy: p.keepsCopy, from: p.host, entry: entry)
            try CXLDeviceEngine.run(event, message: p.message, packet: p, sender: p.host, entry: &entry, table: table, effects: &me)
        } catch {
            if failure == nil { failure = error }
        }
    }

    /// Hands `p` to the table with entry `i` (-1: the line has none).
    private func deliver(_ p: Packet, entry i: Int) {
        let entry = i >= 0 ? filter[i] : CXLDeviceEntry()
        do {
            let event = try CXLDeviceEngine.refine(p.message, keepsCopy: p.keepsCopy, from: p.host, entry: entry)
            run(event, packet: p, line: p.line, entry: i)
        } catch {
            if failure == nil { failure = error }
        }
    }

    /// Fires the row for `event` on `line`'s entry `i`, then frees an entry back in I, gives up
    /// an entry whose block is being evicted, and re-delivers what the line or its set waited with.
    private func run(_ event: CXLDeviceProtocol.Event, packet: Packet?, line: UInt64, entry i: Int) {
        var entry = i >= 0 ? filter[i] : CXLDeviceEntry()
        currentLine = line
        var me = self
        do {
            try CXLDeviceEngine.run(event, message: packet?.message, packet: packet, sender: packet?.host ?? -1, entry: &entry,
                                    table: table, effects: &me)
        } catch {
            if failure == nil { failure = error }
            return
        }
        guard i >= 0 else { return }
        filter[i] = entry
        guard entry.isStable else { return }
        if entry.state == .I {
            if capacityVictim[i] {
                capacityVictim[i] = false
                capacityEvicting[filter.tags.set(of: line)] -= 1
            }
            filter.free(i)
            retryWaitingForEntry()
        } else if let f = frames.frame(of: block(of: line)), frames.states[f] == .evicting {
            fmemRecalls += 1
            run(.Evict, packet: nil, line: line, entry: i)
            return
        }
        if let waiting = parked.removeValue(forKey: line) {
            for p in waiting { retake(p) }
        }
    }

    private func retryWaitingForEntry() {
        guard !waitingForEntry.isEmpty else { return }
        let waiting = waitingForEntry
        waitingForEntry.removeAll(keepingCapacity: true)
        for p in waiting { retake(p) }
    }

    // MARK: CXLDeviceEffects

    public func send(_ message: CXLMessage, to host: Int) {
        switch message {
        case .BISnpInv: bisnp.inv += 1
        case .BISnpData: bisnp.data += 1
        case .BISnpCur: bisnp.cur += 1
        default: break
        }
        toHost?(message, currentLine, host, link.send(message, at: time))
    }

    /// Reads the line out of FMem's DRAM (or takes it from its block arriving now; an HDM-H
    /// expander's DRAM holds every line), then sends it.
    public func sendData(to host: Int) {
        if !parameters.hostOnlyCoherent && frames.frame(of: block(of: currentLine)) == nil && failure == nil {
            failure = CXLProtocolError(problem: "\(path): a read of line \(currentLine), whose block is not in FMem")
        }
        let ready = block(of: currentLine) == forwardingBlock ? time : dram.read(line: currentLine, at: time)
        toHost?(.MemData, currentLine, host, link.send(.MemData, at: ready))
    }

    public func writeMemory(_ packet: Packet?) { write() }
    public func mergeMemory() throws(CXLProtocolError) { write() }

    /// A write into FMem: its DRAM, and the line's dirty bit.
    private func write() {
        if parameters.hostOnlyCoherent {
            dram.writeback(line: currentLine, at: time)
            return
        }
        guard let f = frames.frame(of: block(of: currentLine)) else {
            if failure == nil { failure = CXLProtocolError(problem: "\(path): a write to line \(currentLine), whose block is not in FMem") }
            return
        }
        frames.setDirty(f, line: offset(currentLine))
        dram.writeback(line: currentLine, at: time)
    }

    /// The entry is free: an FMem eviction waiting for its block's entries may write back.
    public func recalled() {
        guard let f = frames.frame(of: block(of: currentLine)), frames.states[f] == .evicting else { return }
        entriesLeft[f] -= 1
        if entriesLeft[f] == 0 { writeBack(f) }
    }

    public func park(_ packet: Packet, sender: Int) {
        if parked[packet.line] == nil { parked[packet.line] = [] }
        parked[packet.line]!.append(packet)
    }

    // MARK: FMem

    private func startMiss(_ b: UInt64) {
        if let f = frames.allocate(b) {
            fetch(f, b)
            engine.evictInBackground(canStart: { true }, eligible: evictable) { startEviction($0) }
            return
        }
        pendingMisses.append(block: b, line: firstLine(of: b))
        if let victim = engine.victim(forSetOf: b, eligible: evictable) { startEviction(victim) }
    }

    private func evictable(_ f: Int) -> Bool { frames.states[f] == .resident && held[frames.block(in: f)] == nil }

    private func fetch(_ f: Int, _ b: UInt64) {
        fetches += 1
        engine.beginFetch(f)
        network.read(bytes: parameters.blockSize, node: parameters.nodes.node(of: b), criticalFirst: false, tag: UInt64(f), at: time)
    }

    /// Gives up every snoop filter entry of frame `f`'s lines (the stable ones now, the others
    /// when their transaction ends), then writes the frame back.
    private func startEviction(_ f: Int) {
        let b = frames.block(in: f)
        held[b] = held[b] ?? []
        engine.begin(f, at: time)
        let first = firstLine(of: b)
        var lines: [(UInt64, Int)] = []
        for k in 0..<UInt64(linesPerBlock) {
            let i = filter.tags.find(first + k)
            if i >= 0 { lines.append((first + k, i)) }
        }
        entriesLeft[f] = lines.count
        if lines.isEmpty {
            writeBack(f)
            return
        }
        for (line, i) in lines where filter[i].isStable {
            fmemRecalls += 1
            if filter[i].state == .I {
                filter.free(i)
                recalledLine(line)
            } else {
                run(.Evict, packet: nil, line: line, entry: i)
            }
        }
    }

    /// An entry in I (allocated, never granted) left the filter during an eviction.
    private func recalledLine(_ line: UInt64) {
        currentLine = line
        recalled()
    }

    private func writeBack(_ f: Int) {
        let b = frames.block(in: f)
        if !engine.writeBack(f, node: parameters.nodes.node(of: b), firstLine: firstLine(of: b), at: time) {
            simulator.schedule(at: time, target: id, kind: Kind.evicted.rawValue, payload: UInt64(f))
        }
    }

    /// Frame `f` is free: the misses that waited for a frame retry, and a block wanted again is fetched anew.
    private func evicted(_ f: Int) {
        let b = frames.block(in: f)
        engine.finish(f, at: time)
        if let waiting = held[b], !waiting.isEmpty {
            pendingMisses.append(block: b, line: firstLine(of: b))
        } else {
            held[b] = nil
        }
        retryPendingMisses()
    }

    /// Misses that wait for a frame, oldest first: each takes a free way of its set, or starts
    /// an eviction there if none of the set is being evicted. Only the misses that can proceed
    /// are tried (new, or their set opened since they failed): for the others, allocation and
    /// victim choice would fail again and change nothing. None is added meanwhile, and no set
    /// opens (fetches and evictions only schedule events).
    private func retryPendingMisses() {
        if frames.hasOpenedSets { pendingMisses.readyOpened(in: frames) }
        while let (slot, m) = pendingMisses.takeOldestReady() {
            if let f = frames.allocate(m.block) {
                pendingMisses.remove(slot)
                fetch(f, m.block)
            } else {
                pendingMisses.wait(slot, onSet: frames.awaitOpening(ofSetOf: m.block))
                if let victim = engine.victim(forSetOf: m.block, eligible: evictable) { startEviction(victim) }
            }
        }
    }

    // MARK: RemoteNetworkClient

    public func readPacket(_ tag: UInt64, bytes: UInt64, arrivesAt time: Tick) {
        let f = Int(tag)
        let first = firstLine(of: frames.block(in: f))
        let lines = frames.fill(f, bytes: bytes)
        if !lines.isEmpty { dram.fill(from: first + lines.lowerBound, count: lines.count, at: time) }
    }

    public func readCriticalArrived(_ tag: UInt64) throws(SimulationError) {}

    /// The whole block is in: every request held for it is served, in order, with the
    /// arriving data.
    public func readCompleted(_ tag: UInt64) throws(SimulationError) {
        let f = Int(tag)
        time = simulator.now
        frames.markResident(f)
        let waiting = held.removeValue(forKey: frames.block(in: f)) ?? []
        forwardingBlock = frames.block(in: f)
        for p in waiting { serve(p) }
        forwardingBlock = .max
        retryPendingMisses()
        try finishEvent()
    }

    public func writeCompleted(_ tag: UInt64) throws(SimulationError) {
        let f = Int(tag)
        time = simulator.now
        if engine.writeCompleted(f) { evicted(f) }
        try finishEvent()
    }

    public func outstandingTransactions() -> [String] {
        var out: [String] = []
        if !waitingForEntry.isEmpty { out.append("\(waitingForEntry.count) request(s) wait for a snoop filter entry") }
        if !pendingMisses.isEmpty { out.append("\(pendingMisses.count) miss(es) wait for an FMem frame") }
        for line in parked.sortedKeys { out.append("line 0x\(String(line << 6, radix: 16)): \(parked[line]!.count) parked") }
        return out
    }
}
