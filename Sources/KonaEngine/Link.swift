/// A point-to-point channel with a fixed latency and a bandwidth.
///
/// A message of `B` bytes occupies the link for `ceil(8 * B * 10^12 / bitsPerSecond)` ps and
/// queues behind the messages sent before it; it arrives `latency` after its last byte left.
/// A bandwidth of 0 means unlimited (no serialization). O(1), allocation-free.
public struct Link: Sendable {
    /// Propagation delay added to every message.
    public let latency: Tick
    /// Capacity in bits per second; 0 for unlimited.
    public let bitsPerSecond: UInt64
    /// When the link finishes sending what it has accepted so far.
    public private(set) var busyUntil: Tick = 0
    /// Messages accepted.
    public private(set) var messages: UInt64 = 0
    /// Bytes accepted.
    public private(set) var bytes: UInt64 = 0
    /// Total time spent serializing, in ps (for utilization).
    public private(set) var busyTime: Tick = 0
    private var cachedBytes: UInt64 = 0       // the last message size and its serialization time,
    private var cachedTime: Tick = 0          // so equal-sized messages skip the division

    /// A link with the given latency and bandwidth (0 = unlimited).
    public init(latency: Tick, bitsPerSecond: UInt64) {
        self.latency = latency
        self.bitsPerSecond = bitsPerSecond
    }

    /// Time to serialize `bytes` bytes on this link.
    public func serializationTime(bytes: UInt64) -> Tick {
        bitsPerSecond == 0 ? 0 : (bytes * 8).scaledRoundingUp(by: Ticks.s, dividedBy: bitsPerSecond)
    }

    /// How long the last accepted message took to serialize.
    public var lastSerializationTime: Tick { cachedTime }

    /// Accepts a message of `bytes` bytes offered at `time` and returns its arrival time.
    public mutating func transmit(bytes: UInt64, at time: Tick) -> Tick {
        let start = max(time, busyUntil)
        if bytes != cachedBytes {
            cachedBytes = bytes
            cachedTime = serializationTime(bytes: bytes)
        }
        let serialization = cachedTime
        busyUntil = start + serialization
        busyTime += serialization
        messages += 1
        self.bytes += bytes
        return busyUntil + latency
    }
}

/// The sending end of a link: the link plus the component at its far end.
public struct OutputPort: Sendable {
    /// The timed channel.
    public var link: Link
    /// The receiving component.
    public let destination: ComponentID

    /// A port that delivers over `link` to `destination`.
    public init(link: Link, destination: ComponentID) {
        self.link = link
        self.destination = destination
    }

    /// Sends a message of `bytes` bytes at `time`; it arrives as an event of `kind` with
    /// `payload` at the destination. Returns the arrival time.
    @discardableResult
    public mutating func send(_ simulator: Simulator, at time: Tick, kind: UInt32, payload: UInt64,
                              bytes: UInt64) -> Tick {
        let arrival = link.transmit(bytes: bytes, at: time)
        simulator.schedule(at: arrival, target: destination, kind: kind, payload: payload)
        return arrival
    }
}
