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
///   case), O(k) otherwise over the k <= `calendarLimit` busy intervals kept, in a ring
///   stored inline (no allocation, no reference counting). When more would be kept, the
///   gap between the two earliest is given up (counted as busy for reservations, not in
///   `busyTime`).
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
    /// The busy intervals `[start(i), end(i))`, `i` in `0 ..< count`, sorted, disjoint and not
    /// touching, in a ring of `calendarLimit` slots starting at `head`.
    private var starts = InlineArray<16, Tick>(repeating: 0)
    @usableFromInline internal private(set) var ends = InlineArray<16, Tick>(repeating: 0)
    @usableFromInline internal private(set) var head = 0
    @usableFromInline internal private(set) var count = 0
    private var cachedBytes: UInt64 = 0       // the last message size and its serialization time,
    private var cachedTime: Tick = 0          // so equal-sized messages skip the division

    /// A link with the given latency and bandwidth (0 = unlimited).
    public init(latency: Tick, bitsPerSecond: UInt64) {
        self.latency = latency
        self.bitsPerSecond = bitsPerSecond
    }

    /// Time to serialize `bytes` bytes on this link.
    public func serializationTime(bytes: UInt64) -> Tick { Self.serializationTime(bytes: bytes, bitsPerSecond: bitsPerSecond) }

    /// The same from the bandwidth alone: `transmit` calls this, since calling a method of
    /// the link from a mutating one copies the whole link first.
    private static func serializationTime(bytes: UInt64, bitsPerSecond: UInt64) -> Tick {
        bitsPerSecond == 0 ? 0 : (bytes * 8).scaledRoundingUp(by: Ticks.s, dividedBy: bitsPerSecond)
    }

    /// How long the last accepted message took to serialize.
    public var lastSerializationTime: Tick { cachedTime }

    /// When the link finishes sending everything it has accepted.
    /// Inlinable, so a caller holding the link in a class reads it in place instead of copying it.
    @inlinable public var busyUntil: Tick { count == 0 ? 0 : end(count &- 1) }

    /// Accepts a message of `bytes` bytes stamped `time` and returns its arrival time.
    public mutating func transmit(bytes: UInt64, at time: Tick) -> Tick {
        if bytes != cachedBytes {
            cachedBytes = bytes
            cachedTime = Self.serializationTime(bytes: bytes, bitsPerSecond: bitsPerSecond)
        }
        let serialization = cachedTime
        busyTime &+= serialization
        messages &+= 1
        self.bytes &+= bytes
        return reserve(serialization, at: time) &+ serialization &+ latency
    }

    /// Accepts `count` messages of `bytes` bytes each, all stamped `time`, exactly as `count`
    /// calls of `transmit` in a row would (same reservations and counts). Once one of them
    /// starts at or after the end of every earlier reservation, every gap from `time` on was
    /// too short for it, so the rest follow it back to back: O(1) for them instead of a
    /// scan each.
    public mutating func transmit(count: Int, bytes: UInt64, at time: Tick) {
        var left = count
        while left > 0 {
            let lastEnd = busyUntil
            let start = transmit(bytes: bytes, at: time) &- latency &- cachedTime
            left &-= 1
            if start >= lastEnd && left > 0 && cachedTime > 0 {
                let rest = UInt64(left)
                busyTime &+= cachedTime &* rest
                messages &+= rest
                self.bytes &+= bytes &* rest
                ends[slot(self.count &- 1)] &+= cachedTime &* rest
                return
            }
        }
    }

    @usableFromInline @inline(__always) internal func slot(_ i: Int) -> Int { (head &+ i) & (Self.calendarLimit &- 1) }
    @inline(__always) private func start(_ i: Int) -> Tick { starts[slot(i)] }
    @usableFromInline @inline(__always) internal func end(_ i: Int) -> Tick { ends[slot(i)] }
    @inline(__always) private mutating func set(_ i: Int, _ start: Tick, _ end: Tick) {
        let k = slot(i)
        starts[k] = start
        ends[k] = end
    }

    /// Reserves `duration` in the first gap at or after `time`; returns its start.
    @inline(__always)
    private mutating func reserve(_ duration: Tick, at time: Tick) -> Tick {
        guard duration > 0 else { return time }
        if count == 0 || time >= end(count &- 1) {
            if count > 0 && time == end(count &- 1) {
                ends[slot(count &- 1)] = time &+ duration
            } else {
                if count == Self.calendarLimit { dropEarliestGap() }
                set(count, time, time &+ duration)
                count &+= 1
            }
            return time
        }
        return reserveInGap(duration, at: time)
    }

    /// The rare case: `time` falls before the last reservation's end.
    private mutating func reserveInGap(_ duration: Tick, at time: Tick) -> Tick {
        // The first interval that ends after `time`, then the first gap from there that fits.
        var i = count - 1
        while i > 0 && end(i - 1) > time { i -= 1 }
        var begin = time
        while i < count {
            if begin + duration <= start(i) {
                let finish = begin + duration
                let touchesBefore = i > 0 && end(i - 1) == begin, touchesAfter = finish == start(i)
                switch (touchesBefore, touchesAfter) {
                case (true, true):
                    set(i - 1, start(i - 1), end(i))
                    for j in i ..< count - 1 { set(j, start(j + 1), end(j + 1)) }
                    count -= 1
                case (true, false): set(i - 1, start(i - 1), finish)
                case (false, true): set(i, begin, end(i))
                case (false, false):
                    if count == Self.calendarLimit {
                        if i <= 1 { break }                 // its gap would be given up: try a later one
                        dropEarliestGap()
                        i -= 1
                    }
                    for j in stride(from: count, to: i, by: -1) { set(j, start(j - 1), end(j - 1)) }
                    set(i, begin, finish)
                    count += 1
                    return begin
                }
                if touchesBefore || touchesAfter { return begin }
            }
            begin = max(begin, end(i))
            i += 1
        }
        begin = max(begin, end(count - 1))
        ends[slot(count - 1)] = begin + duration      // after the last interval, which `begin` reached
        return begin
    }

    /// Merges the two earliest intervals (the gap between them counts as busy from now on).
    private mutating func dropEarliestGap() {
        starts[slot(1)] = start(0)
        head = slot(1)
        count -= 1
    }
}
