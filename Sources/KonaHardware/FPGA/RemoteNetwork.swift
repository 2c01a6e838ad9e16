import KonaEngine

/// The RDMA-like network between the FPGA and the remote memory nodes, timed by
/// reservation: the FPGA's link (one `Link` per direction: one-way latency and bandwidth),
/// each node's memory (latency and bandwidth), and a limit on operations in flight.
///
/// A message of `P` payload bytes travels as `ceil(P / mtu)` packets (at least one), each
/// with `headerBytes` of header. A read sends a header-only request, the node reads the
/// bytes, and the response returns them (the critical line first, in a packet of its own,
/// when asked). A write carries its lines and one descriptor per scatter-gather entry; the
/// node writes them and answers with a header-only ack. An operation's completion is its
/// last arrival at the FPGA; when `maxOutstanding` are in flight, the next starts when the
/// earliest finishes.
public final class RemoteNetwork {
    public let path: String
    /// FPGA -> nodes, and nodes -> FPGA.
    public private(set) var outbound, inbound: Link
    /// Each node's memory channel (its latency is the node's memory latency).
    public private(set) var nodes: [Link]
    public let headerBytes: UInt64
    public let mtu: UInt64
    public let sgEntryBytes: UInt64
    private var inFlight: CompletionHeap
    /// Read operations, and bytes they brought back (payload and headers).
    public private(set) var reads: UInt64 = 0
    public private(set) var bytesRead: UInt64 = 0
    /// Write operations, and bytes they sent (payload, descriptors and headers).
    public private(set) var writes: UInt64 = 0
    public private(set) var bytesWritten: UInt64 = 0
    private var tracer: SignalTracer?
    private var signals: (busy: SignalID?, bytes: SignalID?, reads: SignalID?, writes: SignalID?)

    /// A network with the given link, packetization, nodes and operation limit.
    public init(path: String, latency: Tick, bitsPerSecond: UInt64, headerBytes: UInt64, mtu: UInt64, sgEntryBytes: UInt64,
                maxOutstanding: Int, nodes: Int, nodeLatency: Tick, nodeBitsPerSecond: UInt64, stats: StatsRegistry,
                simulatedTime: @escaping () -> Tick) {
        self.path = path
        outbound = Link(latency: latency, bitsPerSecond: bitsPerSecond)
        inbound = Link(latency: latency, bitsPerSecond: bitsPerSecond)
        self.nodes = (0..<nodes).map { _ in Link(latency: nodeLatency, bitsPerSecond: nodeBitsPerSecond) }
        self.headerBytes = headerBytes
        self.mtu = mtu
        self.sgEntryBytes = sgEntryBytes
        inFlight = CompletionHeap(capacity: maxOutstanding)
        stats.formula(path + ".bytes_read", "bytes the network brought from remote memory (payload and headers)", unit: "bytes") { [unowned self] in
            .integer(self.bytesRead)
        }
        stats.formula(path + ".bytes_written", "bytes the network sent to remote memory (payload, descriptors and headers)", unit: "bytes") { [unowned self] in
            .integer(self.bytesWritten)
        }
        stats.formula(path + ".reads", "remote read operations (block fetches)", unit: "operations") { [unowned self] in .integer(self.reads) }
        stats.formula(path + ".writes", "remote write operations (eviction writes)", unit: "operations") { [unowned self] in .integer(self.writes) }
        stats.formula(path + ".link_utilization", "fraction of simulated time the busier direction of the link was busy", unit: "ratio") { [unowned self] in
            let t = simulatedTime()
            return .real(t == 0 ? 0 : Double(max(self.outbound.busyTime, self.inbound.busyTime)) / Double(t))
        }
    }

    deinit { inFlight.deallocate() }

    /// Declares `link_busy` (directions sending: 0-2), `bytes_in_flight`, `reads_outstanding`
    /// and `writes_outstanding`.
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

    /// When an operation asked at `time` may start (after the earliest in flight if full).
    private func admit(_ time: Tick) -> Tick {
        inFlight.retire(upTo: time)
        if inFlight.count == inFlight.capacity { return max(time, inFlight.popEarliest()) }
        return time
    }

    private func send(_ link: inout Link, bytes: UInt64, at time: Tick) -> Tick {
        let arrival = link.transmit(bytes: bytes, at: time)
        if let tracer {
            let end = arrival - link.latency
            if let id = signals.busy {
                tracer.adjust(id, at: end - link.lastSerializationTime, by: 1)
                tracer.adjust(id, at: end, by: -1)
            }
            if let id = signals.bytes {
                tracer.adjust(id, at: time, by: Int64(bytes))
                tracer.adjust(id, at: arrival, by: -Int64(bytes))
            }
        }
        return arrival
    }

    private func outstanding(_ id: SignalID?, from start: Tick, to end: Tick) {
        guard let tracer, let id else { return }
        tracer.adjust(id, at: start, by: 1)
        tracer.adjust(id, at: end, by: -1)
    }

    /// Reads `bytes` from `node` at `time`: returns when the critical line (the first 64 B,
    /// sent ahead when `criticalFirst`) and when all of it has arrived.
    public func read(bytes: UInt64, node: Int, criticalFirst: Bool, at time: Tick) -> (critical: Tick, all: Tick) {
        let start = admit(time)
        reads += 1
        let request = wireBytes(payload: 0)
        let atNode = send(&outbound, bytes: request, at: start)
        var critical: Tick, all: Tick
        if criticalFirst && bytes > LineGeometry.lineSize {
            let first = nodes[node].transmit(bytes: LineGeometry.lineSize, at: atNode)
            let rest = nodes[node].transmit(bytes: bytes - LineGeometry.lineSize, at: atNode)
            let a = wireBytes(payload: LineGeometry.lineSize), b = wireBytes(payload: bytes - LineGeometry.lineSize)
            critical = send(&inbound, bytes: a, at: first)
            all = max(critical, send(&inbound, bytes: b, at: rest))
            bytesRead += a + b
        } else {
            let ready = nodes[node].transmit(bytes: bytes, at: atNode)
            let response = wireBytes(payload: bytes)
            all = send(&inbound, bytes: response, at: ready)
            critical = all
            bytesRead += response
        }
        inFlight.push(all)
        outstanding(signals.reads, from: start, to: all)
        return (critical, all)
    }

    /// Writes `lines` lines in `entries` scatter-gather entries to `node` at `time`;
    /// returns when the node's ack arrives.
    public func write(lines: Int, entries: Int, node: Int, at time: Tick) -> Tick {
        let start = admit(time)
        writes += 1
        let payload = UInt64(lines) * LineGeometry.lineSize
        let bytes = wireBytes(payload: payload + UInt64(entries) * sgEntryBytes)
        bytesWritten += bytes
        let atNode = send(&outbound, bytes: bytes, at: start)
        let written = nodes[node].transmit(bytes: payload, at: atNode)
        let ack = send(&inbound, bytes: wireBytes(payload: 0), at: written)
        inFlight.push(ack)
        outstanding(signals.writes, from: start, to: ack)
        return ack
    }
}
