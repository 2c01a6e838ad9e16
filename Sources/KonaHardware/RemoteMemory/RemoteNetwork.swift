import KonaEngine

/// The RDMA-like network between the FPGA and the remote memory nodes: the FPGA's link
/// (one direction each way: one-way latency and bandwidth), each node's memory (latency and
/// bandwidth), packets of at most `mtu` bytes, and a limit on operations in flight.
///
/// A message of `P` payload bytes travels as `ceil(P / mtu)` packets (at least one), each
/// with `headerBytes` of header. A read sends a header-only request; the node's NIC reads
/// the data from memory a packet at a time, `readAhead` packets ahead of the link, so the
/// node's memory and the link overlap (a response's first packet leaves once its bytes are
/// read); a critical-first read sends the requested line in a packet of its own first. A
/// write carries its lines and one descriptor per scatter-gather entry. With a DMA stage
/// (`dmaBitsPerSecond` > 0) the FPGA's NIC first reads a write's payload from the
/// initiator's memory (one `Link` shared by all writes) a packet at a time, `readAhead`
/// packets ahead of the link, as a node reads a response; without one the payload is ready
/// when the write starts. The node writes each packet's bytes as it arrives and
/// acknowledges the last with a header-only packet once its memory has written them, or,
/// with `postedWrites`, once its memory has taken them in (bandwidth, not latency: a
/// posted write).
///
/// Each direction of the link is shared by packets, not messages: a packet occupies it for
/// its wire size, reserved in time order (`Link`), and packets leave in the order they
/// became ready (a response's packet when the node has read its bytes; equal times in the
/// order their operations started). Since a node reads only `readAhead` packets ahead of
/// the link, a short operation issued during a long one waits for a few packets, not for
/// the whole message, while operations issued together still finish about in order (as a
/// NIC's queue serves them). A packet ready while its direction is idle and nothing waits
/// leaves at once; otherwise an event at the moment the link frees (or the next packet is
/// ready) picks the next one, so a packet never waits behind one that became ready after
/// it, and the link never idles while a packet is ready. An operation ends when its last
/// packet (a read) or its ack (a write) arrives; at most `maxOutstanding` are in flight,
/// and the next waits, in order, for one to end. A write the initiator posts later (after a
/// software path) takes its place in flight, or in the queue, only when it is posted.
public final class RemoteNetwork: Component {
    /// Packets a node's NIC reads ahead of the one on the link (it reads the first two when
    /// the request arrives).
    private static let readAhead = 2

    public let path: String
    /// FPGA -> nodes, and nodes -> FPGA.
    public private(set) var outbound, inbound: Link
    /// Each node's memory channel (its latency is the node's memory latency).
    public private(set) var nodes: [Link]
    /// Each node's memory when it is banked (`remote.dram.model: banked`), else empty (`nodes`' links serve).
    public let nodeMemories: [BankedDRAM]
    /// The NIC's reads of write payloads from the initiator's memory, when `hasDMA`.
    public private(set) var dma: Link
    /// Whether writes' payloads are read through `dma` (else ready when a write starts).
    public let hasDMA: Bool
    /// Whether a node acknowledges a write once its memory has taken the bytes in, without
    /// waiting for the memory's latency.
    public let postedWrites: Bool
    public let headerBytes: UInt64
    public let mtu: UInt64
    public let sgEntryBytes: UInt64
    /// Operations in flight at most.
    public let maxOutstanding: Int
    /// Told about reads' packets and operations' ends; the owner sets it and outlives the run.
    public unowned(unsafe) var client: (any RemoteNetworkClient)! {
        didSet { told = client.map(UnretainedClient.init) }
    }
    /// `client`, called without reference counting.
    private var told: UnretainedClient?
    /// Read operations started, and the bytes of their responses (payload and headers).
    public private(set) var reads: UInt64 = 0
    public private(set) var bytesRead: UInt64 = 0
    /// Write operations started, and the bytes they send (payload, descriptors and headers).
    public private(set) var writes: UInt64 = 0
    public private(set) var bytesWritten: UInt64 = 0
    /// Packets sent, both directions.
    public private(set) var packets: UInt64 = 0
    public private(set) var id = ComponentID(raw: .max)
    /// The simulator, unretained: reading its time and scheduling cost no reference counting.
    private let simulator: Unmanaged<Simulator>

    private enum Kind: UInt32 { case decideOutbound = 1, decideInbound, critical, complete, begin }

    /// One read or write.
    private struct Operation {
        var isRead: Bool
        var tag: UInt64
        var node: Int
        /// The first line it reads or writes at the node (for a banked node memory).
        var line: UInt64
        /// Payload bytes of its multi-byte message (a read's data; a write's lines and descriptors).
        var payload: UInt64
        var criticalFirst: Bool
        /// When the operation asked to start.
        var time: Tick
        /// A write: when the node has written the last packet's bytes.
        var written: Tick = 0
    }

    /// A message on its way: a read's request or response, a write's data or ack.
    private struct Flow {
        enum Kind { case request, response, data, ack }
        var kind: Kind
        var operation: Int
        var packets: Int
        var sent = 0
        /// When packets `sent` and `sent + 1` are ready to leave (a response's: read from the
        /// node's memory; a write's data, with a DMA stage: read from the initiator's memory).
        var ready: Tick
        var readyNext: Tick
    }

    private var operations: [Operation] = []
    private var freeOperations: [Int] = []
    private var waiting: [Int] = []
    private var waitingHead = 0
    private var inFlight = 0
    private var flows: [Flow] = []
    private var freeFlows: [Int] = []
    /// Per direction (0 outbound, 1 inbound): flows with packets to send, in turn order.
    /// Inline, so a direction's state is changed in place without a copy-on-write check.
    private var active = InlineArray<2, FlowTurns>(repeating: FlowTurns())
    /// Per direction: the time of the pending decision event (`.max` for none).
    private var decisionAt = InlineArray<2, Tick>(repeating: .max)
    /// Per direction: the number of the pending decision event (an earlier one supersedes it).
    private var decisionNumber = InlineArray<2, UInt64>(repeating: 0)
    private var tracer: SignalTracer?
    private var signals: (busy: SignalID?, bytes: SignalID?, reads: SignalID?, writes: SignalID?)

    /// A network with the given link, packetization, nodes and operation limit, registered
    /// with `simulator`; writes read their payload through a DMA stage of `dmaLatency` and
    /// `dmaBitsPerSecond` (0: no stage), and `postedWrites` are acknowledged without the
    /// node's memory latency.
    public init(path: String, latency: Tick, bitsPerSecond: UInt64, headerBytes: UInt64, mtu: UInt64, sgEntryBytes: UInt64,
                maxOutstanding: Int, nodes: Int, nodeLatency: Tick, nodeBitsPerSecond: UInt64,
                dmaLatency: Tick = 0, dmaBitsPerSecond: UInt64 = 0, postedWrites: Bool = false, nodeDRAM: DRAMParameters? = nil,
                simulator: Simulator, stats: StatsRegistry, simulatedTime: @escaping () -> Tick) {
        precondition(mtu >= 64 && maxOutstanding >= 1 && nodes >= 1)
        precondition(dmaBitsPerSecond > 0 || dmaLatency == 0, "a DMA latency needs a DMA bandwidth")
        dma = Link(latency: dmaLatency, bitsPerSecond: dmaBitsPerSecond)
        hasDMA = dmaBitsPerSecond > 0
        self.postedWrites = postedWrites
        self.path = path
        outbound = Link(latency: latency, bitsPerSecond: bitsPerSecond)
        inbound = Link(latency: latency, bitsPerSecond: bitsPerSecond)
        self.nodes = (0..<nodes).map { _ in Link(latency: nodeLatency, bitsPerSecond: nodeBitsPerSecond) }
        nodeMemories = nodeDRAM.map { p in (0..<nodes).map { i in
            let m = BankedDRAM(p)
            m.register("\(path).node\(i).dram", stats: stats, simulatedTime: simulatedTime)
            return m
        } } ?? []
        self.headerBytes = headerBytes
        self.mtu = mtu
        self.sgEntryBytes = sgEntryBytes
        self.maxOutstanding = maxOutstanding
        self.simulator = Unmanaged.passUnretained(simulator)
        id = simulator.register(self)
        stats.formula(path + ".bytes_read", "bytes the network brought from remote memory (payload and headers)", unit: "bytes") { [unowned self] in
            .integer(self.bytesRead)
        }
        stats.formula(path + ".bytes_written", "bytes the network sent to remote memory (payload, descriptors and headers)", unit: "bytes") { [unowned self] in
            .integer(self.bytesWritten)
        }
        stats.formula(path + ".reads", "remote read operations (block fetches)", unit: "operations") { [unowned self] in .integer(self.reads) }
        stats.formula(path + ".writes", "remote write operations (eviction writes)", unit: "operations") { [unowned self] in .integer(self.writes) }
        stats.formula(path + ".packets", "packets sent, both directions (requests, data, acks)", unit: "packets") { [unowned self] in .integer(self.packets) }
        stats.formula(path + ".link_utilization", "fraction of simulated time the busier direction of the link was busy", unit: "ratio") { [unowned self] in
            let t = simulatedTime()
            return .real(t == 0 ? 0 : Double(max(self.outbound.busyTime, self.inbound.busyTime)) / Double(t))
        }
    }

    /// Declares `link_busy` (directions sending: 0-2), `bytes_in_flight` (packets on the
    /// wire), `reads_outstanding` and `writes_outstanding`.
    public func trace(with tracer: SignalTracer) {
        self.tracer = tracer
        signals = (tracer.declare(path + ".link_busy", .wire(width: 2), initial: .bits(0)),
                   tracer.declare(path + ".bytes_in_flight", .wire(width: 32), initial: .bits(0)),
                   tracer.declare(path + ".reads_outstanding", .wire(width: 16), initial: .bits(0)),
                   tracer.declare(path + ".writes_outstanding", .wire(width: 16), initial: .bits(0)))
    }

    /// Bytes on the wire for a message of `payload` bytes.
    public func wireBytes(payload: UInt64) -> UInt64 {
        payload + headerBytes * max(1, (payload + mtu - 1) / mtu)
    }

    /// The simulator's time.
    @inline(__always) private var now: Tick { simulator._withUnsafeGuaranteedRef { $0.now } }

    /// Schedules an event of `kind` for this network at `time`.
    @inline(__always) private func schedule(at time: Tick, kind: Kind, payload: UInt64) {
        let id = id
        simulator._withUnsafeGuaranteedRef { $0.schedule(at: time, target: id, kind: kind.rawValue, payload: payload) }
    }

    // MARK: Operations

    /// Reads `bytes` from `node`, starting at `time` (not before now): the client hears of
    /// each response packet, of the critical line's arrival (`criticalFirst`, when the data is
    /// more than a line), and of the end. `line` is the first line read at the node (it
    /// matters only to a banked node memory).
    public func read(bytes: UInt64, node: Int, criticalFirst: Bool, tag: UInt64, line: UInt64 = 0, at time: Tick) {
        enqueue(Operation(isRead: true, tag: tag, node: node, line: line, payload: bytes,
                          criticalFirst: criticalFirst && bytes > LineGeometry.lineSize, time: time))
    }

    /// Writes `lines` lines in `entries` scatter-gather entries to `node`, starting at `time`
    /// (not before now, when the data is ready); the client hears when the ack arrives. The
    /// write holds one of `maxOutstanding` slots from now, or, when the initiator posts it
    /// later (`postedLater`: a software path posts it at `time`), from `time`. Returns the
    /// bytes the write puts on the wire (payload, descriptors and headers). A banked node
    /// memory writes its lines from `line` on, consecutively.
    @discardableResult
    public func write(lines: Int, entries: Int, node: Int, tag: UInt64, line: UInt64 = 0, at time: Tick,
                      postedLater: Bool = false) -> UInt64 {
        let payload = UInt64(lines) * LineGeometry.lineSize + UInt64(entries) * sgEntryBytes
        enqueue(Operation(isRead: false, tag: tag, node: node, line: line, payload: payload, criticalFirst: false, time: time),
                postedLater: postedLater)
        return wireBytes(payload: payload)
    }

    private func enqueue(_ operation: Operation, postedLater: Bool = false) {
        let o: Int
        if let free = freeOperations.popLast() { o = free; operations[o] = operation } else { o = operations.count; operations.append(operation) }
        if postedLater && operation.time > now {
            schedule(at: operation.time, kind: .begin, payload: UInt64(o))
        } else {
            begin(o)
        }
    }

    /// Starts operation `o` (at its time, not before now) if a slot is free, else queues it.
    private func begin(_ o: Int) {
        if inFlight < maxOutstanding { start(o, at: max(operations[o].time, now)) } else { waiting.append(o) }
    }

    /// Packets of operation `o`'s multi-packet message, and the payload of packet `k`.
    @inline(__always) private func packetCount(_ o: Int) -> Int {
        let op = operations[o]
        if op.criticalFirst { return 1 + Int((op.payload - LineGeometry.lineSize + mtu - 1) / mtu) }
        return Int(max(1, (op.payload + mtu - 1) / mtu))
    }

    @inline(__always) private func payload(_ o: Int, packet k: Int) -> UInt64 {
        let op = operations[o]
        if op.criticalFirst {
            if k == 0 { return LineGeometry.lineSize }
            return min(mtu, op.payload - LineGeometry.lineSize - UInt64(k - 1) * mtu)
        }
        return min(mtu, op.payload - min(op.payload, UInt64(k) * mtu))
    }

    private func start(_ o: Int, at time: Tick) {
        inFlight += 1
        let op = operations[o]
        if let tracer, let id = op.isRead ? signals.reads : signals.writes { tracer.adjust(id, at: time, by: 1) }
        let count = packetCount(o)
        if op.isRead {
            reads += 1
            bytesRead += UInt64(count) * headerBytes + op.payload
            addFlow(Flow(kind: .request, operation: o, packets: 1, ready: time, readyNext: .max), direction: 0)
        } else {
            writes += 1
            bytesWritten += UInt64(count) * headerBytes + op.payload
            if hasDMA {
                // The NIC reads the first two packets' payload at once, the rest as packets leave.
                let first = dma.transmit(bytes: payload(o, packet: 0), at: time)
                let second = count > 1 ? dma.transmit(bytes: payload(o, packet: 1), at: time) : Tick.max
                addFlow(Flow(kind: .data, operation: o, packets: count, ready: first, readyNext: second), direction: 0)
            } else {
                addFlow(Flow(kind: .data, operation: o, packets: count, ready: time, readyNext: time), direction: 0)
            }
        }
    }

    /// The last arrival of operation `o` is at `time`: it ends then.
    private func end(_ o: Int, at time: Tick) {
        schedule(at: time, kind: .complete, payload: UInt64(o))
        if let tracer, let id = operations[o].isRead ? signals.reads : signals.writes { tracer.adjust(id, at: time, by: -1) }
    }

    // MARK: Packets

    /// Sends one packet of `payload` bytes (plus header) on `link`, ready at `time`; returns its arrival.
    private func send(_ link: inout Link, payload: UInt64, at time: Tick) -> Tick {
        packets += 1
        let bytes = payload + headerBytes
        let arrival = link.transmit(bytes: bytes, at: time)
        if let tracer {
            let end = arrival - link.latency
            if let id = signals.busy {
                tracer.adjust(id, at: end - link.lastSerializationTime, by: 1)
                tracer.adjust(id, at: end, by: -1)
            }
            if let id = signals.bytes {
                tracer.adjust(id, at: end - link.lastSerializationTime, by: Int64(bytes))
                tracer.adjust(id, at: arrival, by: -Int64(bytes))
            }
        }
        return arrival
    }

    private func addFlow(_ flow: Flow, direction d: Int) {
        let f: Int
        if let free = freeFlows.popLast() { f = free; flows[f] = flow } else { f = flows.count; flows.append(flow) }
        active[d].add(f, ready: flow.ready)
        let now = self.now
        let idle = d == 0 ? outbound.busyUntil <= now : inbound.busyUntil <= now
        if flow.ready <= now && idle && decisionAt[d] == .max {
            decide(d)                        // nothing else can go first: no event needed
        } else {
            decide(d, at: flow.ready)
        }
    }

    /// Makes sure direction `d` decides its next packet at `time` at the latest.
    private func decide(_ d: Int, at time: Tick) {
        let t = max(time, now)
        guard t < decisionAt[d] else { return }
        decisionAt[d] = t
        decisionNumber[d] &+= 1
        schedule(at: t, kind: d == 0 ? .decideOutbound : .decideInbound, payload: decisionNumber[d])
    }

    /// Sends the packet that has been ready longest (equal times: the message that was
    /// ready first), and plans the next decision.
    private func decide(_ d: Int) {
        let now = self.now
        guard let (f, earliest) = active[d].first, earliest < .max else { return }
        if earliest > now { return decide(d, at: earliest) }
        let flow = flows[f], o = flow.operation, k = flow.sent, last = k + 1 == flow.packets
        let node = operations[o].node
        // First this packet and the flow's state, then what follows from it: that may start
        // other messages (and the client other operations), which decide again.
        var next = flow                      // the flow after this packet, stored once
        let arrival: Tick
        switch flow.kind {
        case .request:
            arrival = send(&outbound, payload: 0, at: now)
        case .response:
            arrival = send(&inbound, payload: payload(o, packet: k), at: now)
            // The NIC starts reading the packet `readAhead` places behind this one.
            let behind = k + RemoteNetwork.readAhead
            next.ready = flow.readyNext
            next.readyNext = behind < flow.packets ? nodeRead(o, packet: behind, at: now) : .max
        case .data:
            let bytes = payload(o, packet: k)
            arrival = send(&outbound, payload: bytes, at: now)
            if hasDMA {
                // As for a response: the NIC starts reading the packet `readAhead` places behind.
                let behind = k + RemoteNetwork.readAhead
                next.ready = flow.readyNext
                next.readyNext = behind < flow.packets ? dma.transmit(bytes: payload(o, packet: behind), at: now) : .max
            }
            if nodeMemories.isEmpty {
                let written = nodes[node].transmit(bytes: bytes, at: arrival)
                operations[o].written = max(operations[o].written, postedWrites ? written - nodes[node].latency : written)
            } else {
                operations[o].written = max(operations[o].written, nodeWrite(o, packet: k, at: arrival))
            }
        case .ack:
            arrival = send(&inbound, payload: 0, at: now)
        }
        next.sent = k + 1
        flows[f] = next
        if last {
            active[d].removeFirst()
            freeFlows.append(f)
        } else {
            active[d].updateFirst(ready: next.ready)
        }
        if !active[d].isEmpty {
            decide(d, at: arrival - (d == 0 ? outbound.latency : inbound.latency))    // when this packet has left
        }
        switch flow.kind {
        case .request:
            // The node's NIC reads the first two packets' bytes at once, the rest as packets leave.
            let count = packetCount(o)
            let first = nodeRead(o, packet: 0, at: arrival)
            let second = count > 1 ? nodeRead(o, packet: 1, at: arrival) : Tick.max
            addFlow(Flow(kind: .response, operation: o, packets: count, ready: first, readyNext: second), direction: 1)
        case .response:
            if k == 0 && operations[o].criticalFirst {
                schedule(at: arrival, kind: .critical, payload: UInt64(o))
            }
            if last { end(o, at: arrival) }
            told!.readPacket(operations[o].tag, bytes: payload(o, packet: k), arrivesAt: arrival)
        case .data:
            if last { addFlow(Flow(kind: .ack, operation: o, packets: 1, ready: operations[o].written, readyNext: .max), direction: 1) }
        case .ack:
            end(o, at: arrival)
        }
    }

    /// When packet `k` of read `o` has been read out of its node's memory, starting at `time`:
    /// its bytes over the node's channel and its latency, or, with a banked node memory, the
    /// last of its lines read there (the packet's lines follow the operation's first line).
    private func nodeRead(_ o: Int, packet k: Int, at time: Tick) -> Tick {
        let node = operations[o].node
        guard !nodeMemories.isEmpty else { return nodes[node].transmit(bytes: payload(o, packet: k), at: time) }
        let (first, count) = packetLines(o, packet: k)
        var ready = time
        for i in 0 ..< count { ready = max(ready, nodeMemories[node].read(line: first &+ i, at: time)) }
        return ready
    }

    /// With a banked node memory: queues packet `k` of write `o`'s lines there at `time`; the
    /// node has taken them in then (its write queue holds them), so that is when it counts
    /// them written, posted or not.
    private func nodeWrite(_ o: Int, packet k: Int, at time: Tick) -> Tick {
        let (first, count) = packetLines(o, packet: k)
        for i in 0 ..< count { nodeMemories[operations[o].node].writeback(line: first &+ i, at: time) }
        return time
    }

    /// The lines packet `k` of operation `o` carries: whole lines of its payload from the
    /// operation's first line on, a packet holding `mtu` bytes (a write's descriptors count
    /// as payload, so a write's last packet may hold one line more than it writes).
    private func packetLines(_ o: Int, packet k: Int) -> (first: UInt64, count: UInt64) {
        let bytes = payload(o, packet: k)
        return (operations[o].line &+ UInt64(k) &* (mtu &>> 6), max(1, (bytes &+ 63) &>> 6))
    }

    // MARK: Events

    public func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        switch Kind(rawValue: event.kind)! {
        case .decideOutbound, .decideInbound:
            let d = event.kind == Kind.decideOutbound.rawValue ? 0 : 1
            guard event.payload == decisionNumber[d] && decisionAt[d] != .max else { return }   // superseded
            decisionAt[d] = .max
            decide(d)
        case .begin:
            begin(Int(event.payload))
        case .critical:
            try told!.readCriticalArrived(operations[Int(event.payload)].tag)
        case .complete:
            let o = Int(event.payload)
            let op = operations[o]
            inFlight -= 1
            freeOperations.append(o)
            while inFlight < maxOutstanding && waitingHead < waiting.count {
                let next = waiting[waitingHead]
                waitingHead += 1
                start(next, at: max(operations[next].time, simulator.now))
            }
            if waitingHead == waiting.count { waiting.removeAll(keepingCapacity: true); waitingHead = 0 }
            if op.isRead { try told!.readCompleted(op.tag) } else { try told!.writeCompleted(op.tag) }
        }
    }

    public func outstandingTransactions() -> [String] {
        inFlight == 0 && waitingHead == waiting.count ? [] : ["\(inFlight) operation(s) in flight, \(waiting.count - waitingHead) waiting"]
    }
}
