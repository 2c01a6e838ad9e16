import KonaEngine
import KonaProtocol

/// A timed coherent interconnect: four channels (request, snoop, response, data), each with
/// its own latency and bandwidth in each direction. On a socket's fabric and on the link to
/// the FPGA the directions are toward memory (core to LLC, LLC to home) and back; on the
/// link between sockets (`bySocket`) they are toward the higher-numbered socket and back
/// (an LLC or a CPU home agent belongs to the socket of its number).
///
/// A message occupies its channel's direction for its size (`headerBytes`, plus 64 B when it carries a
/// line) at the channel's bandwidth, queuing behind earlier messages on that channel, and
/// arrives the channel's latency after its last byte left. Arrival is an event of this
/// component, which hands the message to `receiver`. Messages wait in a pool and travel by
/// index, so sending allocates nothing once the pool has grown to the traffic in flight.
public final class Interconnect: Component {
    /// One channel's timing.
    public struct ChannelTiming: Sendable {
        public var latency: Tick
        /// 0 for unlimited.
        public var bitsPerSecond: UInt64
        public init(latency: Tick, bitsPerSecond: UInt64) {
            self.latency = latency
            self.bitsPerSecond = bitsPerSecond
        }
    }

    public let path: String
    /// Bytes of a message without data.
    public let headerBytes: UInt64
    /// Whether the directions are by socket (the inter-socket link) rather than toward memory.
    public let bySocket: Bool
    /// The simulator this interconnect schedules arrivals on (unretained, and called
    /// through a guaranteed reference: no reference counting per message).
    private let simulator: Unmanaged<Simulator>
    /// Its ID in the simulator.
    public private(set) var id = ComponentID(raw: .max)
    /// The channels' directions, indexed by `2 * Channel.rawValue + (toward memory ? 1 : 0)`.
    public var channels: [Link] { Array(UnsafeBufferPointer(start: links, count: linkCount)) }
    /// The same, in a buffer this interconnect owns: a message reserves its direction in
    /// place, without a copy-on-write check.
    private let links: UnsafeMutablePointer<Link>
    private let linkCount: Int
    /// Hands an arrived message to its destination (unretained, called through a guaranteed reference).
    private var receiver: Unmanaged<MessageRouter>?
    private let pool = MessagePool()
    private var tracer: SignalTracer?
    private var signals: [(busy: SignalID?, inFlight: SignalID?, last: SignalID?)] = []
    /// Each message kind's name, interned in the tracer's strings.
    private var kindNames: [UInt64] = []

    /// An interconnect registered with `simulator` at `path`, with statistics under `path`.
    public init(path: String, headerBytes: UInt64, timing: [ChannelTiming], bySocket: Bool = false, simulator: Simulator,
                stats: StatsRegistry, simulatedTime: @escaping () -> Tick) {
        precondition(timing.count == Channel.allCases.count, "one timing per channel")
        self.path = path
        self.headerBytes = headerBytes
        self.bySocket = bySocket
        self.simulator = Unmanaged.passUnretained(simulator)
        let channels = timing.flatMap { [Link(latency: $0.latency, bitsPerSecond: $0.bitsPerSecond),
                                         Link(latency: $0.latency, bitsPerSecond: $0.bitsPerSecond)] }
        linkCount = channels.count
        links = .allocate(capacity: channels.count)
        links.initialize(from: channels, count: channels.count)
        id = simulator.register(self)
        for channel in Channel.allCases {
            let c = channel.rawValue
            let prefix = "\(path).\(channel)"
            stats.formula(prefix + ".messages", "messages sent on the \(channel) channel (both directions)", unit: "messages") { [unowned self] in
                .integer(self.links[2 * c].messages + self.links[2 * c + 1].messages)
            }
            stats.formula(prefix + ".bytes", "bytes sent on the \(channel) channel, headers and data (both directions)", unit: "bytes") { [unowned self] in
                .integer(self.links[2 * c].bytes + self.links[2 * c + 1].bytes)
            }
            stats.formula(prefix + ".utilization", "fraction of simulated time the busier direction of the \(channel) channel was busy", unit: "ratio") { [unowned self] in
                let t = simulatedTime()
                return .real(t == 0 ? 0 : Double(max(self.links[2 * c].busyTime, self.links[2 * c + 1].busyTime)) / Double(t))
            }
        }
    }

    /// Declares per-channel signals: `busy` (directions serializing a message: 0-2), `in_flight` (messages
    /// sent, not yet delivered) and `last` (the kind of the last message sent).
    public func trace(with tracer: SignalTracer) {
        self.tracer = tracer
        kindNames = MessageKind.allCases.map { tracer.strings.intern("\($0)") }
        signals = Channel.allCases.map { channel in
            let prefix = "\(path).\(channel)"
            return (tracer.declare(prefix + ".busy", .wire(width: 2), initial: .bits(0)),
                    tracer.declare(prefix + ".in_flight", .wire(width: 16), initial: .bits(0)),
                    tracer.declare(prefix + ".last", .string, initial: .string("")))
        }
    }

    /// Bytes `message` occupies on its channel.
    @inline(__always)
    public func size(of kind: MessageKind) -> UInt64 { kind.carriesData ? headerBytes + LineGeometry.lineSize : headerBytes }

    /// Sends `message` at `time` (not before the simulator's now); returns its arrival time.
    @discardableResult
    public func send(_ message: CoherenceMessage, at time: Tick) -> Tick {
        let c = message.kind.channel.rawValue
        let up = bySocket ? Self.socket(of: message.destination) > Self.socket(of: message.source)
                          : message.destination.level > message.source.level
        let link = 2 &* c &+ (up ? 1 : 0)
        let bytes = size(of: message.kind)
        let arrival = links[link].transmit(bytes: bytes, at: time)
        let slot = pool.store(message)
        if tracer != nil { traceSend(message, channel: c, link: link, arrival: arrival, at: time) }
        let id = self.id
        simulator._withUnsafeGuaranteedRef { $0.schedule(at: arrival, target: id, kind: 1, payload: UInt64(slot)) }
        return arrival
    }

    @inline(never)
    private func traceSend(_ message: CoherenceMessage, channel c: Int, link: Int, arrival: Tick, at time: Tick) {
        guard let tracer, c < signals.count else { return }
        let end = arrival - links[link].latency
        let start = end - links[link].lastSerializationTime
        if let id = signals[c].busy {
            tracer.adjust(id, at: start, by: 1)
            tracer.adjust(id, at: end, by: -1)
        }
        if let id = signals[c].inFlight {
            tracer.adjust(id, at: time, by: 1)
            tracer.adjust(id, at: arrival, by: -1)
        }
        if let id = signals[c].last { tracer.record(id, at: time, interned: kindNames[message.kind.rawValue]) }
    }

    public func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        let slot = Int(event.payload)
        let message = pool.take(slot)
        var failure: ProtocolViolation?
        receiver!._withUnsafeGuaranteedRef { receiver in
            do throws(ProtocolViolation) { try receiver.deliver(message) } catch { failure = error }
        }
        if let failure { throw failure.asSimulationError(at: simulator.now) }
    }

    public func outstandingTransactions() -> [String] { [] }

    deinit {
        links.deinitialize(count: linkCount)
        links.deallocate()
    }

    /// The socket an LLC or a CPU home agent belongs to (its number; cores never use this link).
    @inline(__always)
    private static func socket(of endpoint: Endpoint) -> Int {
        switch endpoint {
        case .core(let i), .llc(let i), .home(let i): i
        }
    }

    /// Delivers arrived messages to `router`, which the caller keeps alive for the run.
    public func deliver(to router: MessageRouter) { receiver = Unmanaged.passUnretained(router) }
}
