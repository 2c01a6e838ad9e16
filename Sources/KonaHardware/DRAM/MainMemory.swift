import KonaEngine

/// A DRAM, the one memory component of the system (local DRAM, FMem, the page cache),
/// in one of two models.
///
/// `simple` (`banked == nil`): a fixed access latency behind one data channel of limited
/// bandwidth. Every read and write moves a 64-byte line over the channel, queuing behind
/// earlier transfers; a read's data is ready `latency` after its transfer ends, so an
/// isolated read costs `64 B / bandwidth + latency`. O(1) per request, no allocation.
/// `banked`: channels, ranks, banks, row buffers and JEDEC timings (`BankedDRAM`), with
/// the same call shape.
public final class MainMemory: MemorySide {
    public let path: String
    /// The banked model, or nil for the simple one.
    public let banked: BankedDRAM?
    /// The data channel (its latency is the DRAM access latency).
    public private(set) var channel: Link
    /// Line reads served.
    public private(set) var reads: UInt64 = 0
    /// Line writes absorbed.
    public private(set) var writes: UInt64 = 0
    private var tracer: SignalTracer?
    private var busySignal: SignalID?
    private var readsSignal: SignalID?

    /// Declares the memory's signals with `tracer`: `channel_busy` (a line is on the data
    /// channel) and `reads_in_flight` (reads waiting for their data).
    /// A banked memory declares `BankedDRAM`'s signals under `path.dram` instead.
    public func trace(with tracer: SignalTracer) {
        if let banked {
            banked.trace(with: tracer, prefix: path + ".dram")
            return
        }
        self.tracer = tracer
        busySignal = tracer.declare(path + ".channel_busy", .wire(width: 1), initial: .bits(0))
        readsSignal = tracer.declare(path + ".reads_in_flight", .wire(width: 16), initial: .bits(0))
    }

    /// Moves a line over the channel at `time`; returns when its data is ready.
    @inline(__always)
    private func transfer(at time: Tick) -> Tick {
        let ready = channel.transmit(bytes: LineGeometry.lineSize, at: time)
        if let tracer, let id = busySignal {
            let end = ready - channel.latency
            tracer.adjust(id, at: end - channel.lastSerializationTime, by: 1)
            tracer.adjust(id, at: end, by: -1)
        }
        return ready
    }

    /// A memory with the given access latency and bandwidth (bits per second, 0 = unlimited).
    /// `simulatedTime` gives the run's length for the utilization statistic.
    public init(path: String, latency: Tick, bitsPerSecond: UInt64, stats: StatsRegistry,
                simulatedTime: @escaping () -> Tick) {
        self.path = path
        self.channel = Link(latency: latency, bitsPerSecond: bitsPerSecond)
        banked = nil
        registerCommon(stats: stats) { [unowned self] in
            let t = simulatedTime()
            return t == 0 ? 0 : Double(self.channel.busyTime) / Double(t)
        }
    }

    /// A banked memory with `parameters`; its own statistics go under `path.dram`.
    public init(path: String, banked parameters: DRAMParameters, stats: StatsRegistry,
                simulatedTime: @escaping () -> Tick) {
        self.path = path
        self.channel = Link(latency: 0, bitsPerSecond: 0)
        let model = BankedDRAM(parameters)
        banked = model
        model.register(path + ".dram", stats: stats, simulatedTime: simulatedTime)
        registerCommon(stats: stats) {
            let t = simulatedTime()
            return t == 0 ? 0 : Double(model.channelBusy.reduce(0, &+) &* parameters.tCK) / (Double(t) * Double(parameters.channels))
        }
    }

    private func registerCommon(stats: StatsRegistry, utilization: @escaping () -> Double) {
        stats.formula(path + ".reads", "lines read", unit: "lines") { [unowned self] in .integer(self.reads) }
        stats.formula(path + ".writes", "lines written", unit: "lines") { [unowned self] in .integer(self.writes) }
        stats.formula(path + ".bytes_read", "bytes read from DRAM", unit: "bytes") { [unowned self] in
            .integer(self.reads * LineGeometry.lineSize)
        }
        stats.formula(path + ".bytes_written", "bytes written to DRAM", unit: "bytes") { [unowned self] in
            .integer(self.writes * LineGeometry.lineSize)
        }
        stats.formula(path + ".utilization", "fraction of simulated time the data channel was busy", unit: "ratio") {
            .real(utilization())
        }
    }

    public func read(line: UInt64, at time: Tick) -> Tick {
        reads &+= 1
        if let banked { return banked.read(line: line, at: time) }
        let ready = transfer(at: time)
        if let tracer, let id = readsSignal {
            tracer.adjust(id, at: time, by: 1)
            tracer.adjust(id, at: ready, by: -1)
        }
        return ready
    }

    /// Writes the `count` consecutive lines from `first` (a block fill landing) at `time`: the
    /// simple model moves each over the channel as a write-back; the banked one writes them as
    /// one burst train (`BankedDRAM.fill`).
    public func fill(from first: UInt64, count: Int, at time: Tick) {
        if let banked {
            writes &+= UInt64(count)
            return banked.fill(from: first, count: count, at: time)
        }
        if tracer == nil {
            writes &+= UInt64(count)
            channel.transmit(count: count, bytes: LineGeometry.lineSize, at: time)
            return
        }
        for i in 0 ..< count { writeback(line: first &+ UInt64(i), at: time) }
    }

    public func writeback(line: UInt64, at time: Tick) {
        writes &+= 1
        if let banked { return banked.writeback(line: line, at: time) }
        _ = transfer(at: time)
    }
}
