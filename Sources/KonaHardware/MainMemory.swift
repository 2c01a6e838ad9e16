import KonaEngine

/// A DRAM model: a fixed access latency behind one data channel of limited bandwidth.
///
/// Every read and write moves a 64-byte line over the channel, queuing behind earlier
/// transfers; a read's data is sent up `latency` after its transfer ends. So an isolated
/// read costs `64 B / bandwidth + latency`. O(1) per request, no allocation.
public final class MainMemory: Component {
    public let path: String
    /// The data channel (its latency is the DRAM access latency).
    public private(set) var channel: Link
    /// Where read data goes.
    public var up: OutputPort?
    /// Line reads served.
    public let reads: Counter
    /// Line writes absorbed.
    public let writes: Counter

    /// A memory with the given access latency and bandwidth (bits per second, 0 = unlimited).
    public init(path: String, latency: Tick, bitsPerSecond: UInt64, stats: StatsRegistry,
                simulatedTime: @escaping () -> Tick) {
        self.path = path
        self.channel = Link(latency: latency, bitsPerSecond: bitsPerSecond)
        reads = stats.counter(path + ".reads", "lines read", unit: "lines")
        writes = stats.counter(path + ".writes", "lines written", unit: "lines")
        let (r, w) = (reads, writes)
        stats.formula(path + ".bytes_read", "bytes read from DRAM", unit: "bytes") { .integer(r.value * LineGeometry.lineSize) }
        stats.formula(path + ".bytes_written", "bytes written to DRAM", unit: "bytes") { .integer(w.value * LineGeometry.lineSize) }
        stats.formula(path + ".utilization", "fraction of simulated time the data channel was busy", unit: "ratio") { [unowned self] in
            let t = simulatedTime()
            return .real(t == 0 ? 0 : Double(self.channel.busyTime) / Double(t))
        }
    }

    public func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        switch MemoryMessage(rawValue: event.kind) {
        case .read:
            reads.add()
            let ready = channel.transmit(bytes: LineGeometry.lineSize, at: simulator.now)
            up!.send(simulator, at: ready, kind: MemoryMessage.data.rawValue, payload: event.payload,
                     bytes: LineGeometry.dataMessageBytes)
        case .writeback:
            writes.add()
            _ = channel.transmit(bytes: LineGeometry.lineSize, at: simulator.now)
        default:
            throw SimulationError(.protocolViolation, time: simulator.now, component: path,
                                  message: "memory cannot handle message kind \(event.kind)")
        }
    }

    public func outstandingTransactions() -> [String] { [] }
}
