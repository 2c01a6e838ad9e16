/// A point-to-point channel with a fixed latency and a bandwidth, reserved in time order.
///
/// A message of `B` bytes occupies the link for `ceil(8 * B * 10^12 / bitsPerSecond)` ps,
/// starting at the earliest moment at or after its time stamp when the link is free for
/// that long, and arrives `latency` after its last byte left. Senders often stamp a message
/// in the future (it leaves after a lookup), so the link keeps a calendar of its busy
/// intervals: a message sent later with an earlier stamp takes a gap before one already
/// reserved, and messages leave in stamp order whenever their transmissions do not
/// overlap. A reservation is never moved, so of two messages that would overlap the one
/// reserved first goes first (the other waits at most one message time longer than in a
/// perfectly time-ordered queue). A bandwidth of 0 means unlimited (no serialization).
///
/// - Complexity: O(1) for a message stamped at or after every reservation (the common
///   case), O(k) otherwise over the k <= `calendarLimit` busy intervals kept. When more
///   would be kept, the gap between the two earliest is given up (counted as busy for
///   reservations, not in `busyTime`). No allocation once the calendar has grown.
public struct Link: Sendable {
    /// Busy intervals kept at most before the earliest gap is given up.
    public static let calendarLimit = 16

    /// Propagation delay added to every message.
    public let latency: Tick
    /// Capacity in bits per second; 0 for unlimited.
    public let bitsPerSecond: UInt64
    /// Messages accepted.
    public private(set) var messages: UInt64 = 0
    /// Bytes accepted.
    public private(set) var bytes: UInt64 = 0
    /// Total time spent serializing, in ps (for utilization).
    public private(set) var busyTime: Tick = 0
    /// The busy intervals `[starts[i], ends[i])`, sorted, disjoint and not touching.
    private var starts: ContiguousArray<Tick> = []
    private var ends: ContiguousArray<Tick> = []
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

    /// When the link finishes sending everything it has accepted.
    public var busyUntil: Tick { ends.last ?? 0 }

    /// Accepts a message of `bytes` bytes stamped `time` and returns its arrival time.
    public mutating func transmit(bytes: UInt64, at time: Tick) -> Tick {
        if bytes != cachedBytes {
            cachedBytes = bytes
            cachedTime = serializationTime(bytes: bytes)
        }
        let serialization = cachedTime
        busyTime += serialization
        messages += 1
        self.bytes += bytes
        return reserve(serialization, at: time) + serialization + latency
    }

    /// Reserves `duration` in the first gap at or after `time`; returns its start.
    @inline(__always)
    private mutating func reserve(_ duration: Tick, at time: Tick) -> Tick {
        guard duration > 0 else { return time }
        let n = ends.count
        if n == 0 || time >= ends[n - 1] {
            if n > 0 && time == ends[n - 1] { ends[n - 1] = time + duration } else { insert(time, time + duration, at: n) }
            return time
        }
        // The first interval that ends after `time`, then the first gap from there that fits.
        var i = n - 1
        while i > 0 && ends[i - 1] > time { i -= 1 }
        var start = time
        while i < n {
            if start + duration <= starts[i] {
                let end = start + duration
                let touchesBefore = i > 0 && ends[i - 1] == start, touchesAfter = end == starts[i]
                switch (touchesBefore, touchesAfter) {
                case (true, true):
                    ends[i - 1] = ends[i]
                    starts.remove(at: i)
                    ends.remove(at: i)
                case (true, false): ends[i - 1] = end
                case (false, true): starts[i] = start
                case (false, false): insert(start, end, at: i)
                }
                return start
            }
            start = max(start, ends[i])
            i += 1
        }
        ends[n - 1] = start + duration        // after the last interval, which `start` reached
        return start
    }

    private mutating func insert(_ start: Tick, _ end: Tick, at i: Int) {
        starts.insert(start, at: i)
        ends.insert(end, at: i)
        if starts.count > Self.calendarLimit {      // give up the earliest gap
            ends[0] = ends[1]
            starts.remove(at: 1)
            ends.remove(at: 1)
        }
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
