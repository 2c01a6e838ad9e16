import KonaEngine
import KonaProtocol

/// A CPU home agent: the directory of `HomeProtocol` (a `DirectoryController`) in front of
/// local DRAM, timed.
///
/// A message that arrives at time `t` enters the directory's pipeline (`lookups`: a bounded
/// number per cycle, the rest queue) and is looked up, which takes `directoryLatency`; a row that reads memory sends its grant when the DRAM read is
/// ready (`MainMemory` reserves its channel), and a row that writes memory writes it
/// back at the lookup time. Everything else the row sends leaves after the lookup.
public final class CPUHomeAgent {
    /// `home` with one socket, else `home<socket>`.
    public let path: String
    /// The directory and the lines' values.
    public let controller: DirectoryController
    /// The DRAM behind it.
    public let memory: MainMemory
    /// Directory lookup time.
    public let directoryLatency: Tick
    /// The directory's entry: a bounded number of messages per cycle.
    public private(set) var lookups: LookupPort
    private let outbox: TimedOutbox
    private unowned(unsafe) let simulator: Simulator
    private var watch = LineWatch()

    /// Traces the directory state of `lines` (`<path>.watch.<address>`).
    public func watch(_ lines: [UInt64], with tracer: SignalTracer) {
        watch.declare(lines, path: path, initial: "I", with: tracer)
        controller.onTransition = { [unowned(unsafe) self] line, _, _, after in self.watch.note(line, after.name, at: self.outbox.time) }
    }

    /// A home agent numbered `index` that sends through `outbox`.
    public init(path: String, index: Int, table: HomeProtocol.Table, memory: MainMemory, directoryLatency: Tick, lookups: LookupPort,
                outbox: TimedOutbox, simulator: Simulator, stats: StatsRegistry) {
        self.path = path
        self.memory = memory
        self.directoryLatency = directoryLatency
        self.lookups = lookups
        self.outbox = outbox
        self.simulator = simulator
        controller = DirectoryController(index: index, table: table, network: outbox)
        // Called through a guaranteed reference: an unowned(unsafe) capture is retained per call.
        let me = Unmanaged.passUnretained(self)
        controller.onMemoryAccess = { line, isWrite in me._withUnsafeGuaranteedRef { $0.memoryAccess(line, isWrite: isWrite) } }
        registerLookupStatistics(path, stats) { [unowned self] in [self.lookups] }
    }

    /// The directory reads or writes `line` in DRAM: a read's answers leave when its data is
    /// ready.
    private func memoryAccess(_ line: UInt64, isWrite: Bool) {
        if isWrite {
            memory.writeback(line: line, at: outbox.time)
        } else {
            outbox.time = memory.read(line: line, at: outbox.time)
        }
    }

    /// A message from a caching agent arrives now.
    public func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        outbox.time = lookups.admit(at: simulator.now) + directoryLatency
        try controller.receive(message)
    }
}
