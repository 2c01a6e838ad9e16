/// A priority queue of events ordered by `(time, priority, sequence)`, for monotone use:
/// no event may be pushed earlier than the last one popped (simulated time never runs
/// backwards).
///
/// A radix heap: bucket `i > 0` holds the events whose time differs from the last popped
/// time first in bit `i - 1`; bucket 0 holds the events at exactly that time, as a binary
/// heap on `(priority, sequence)`. Push is O(1) (O(log k) into bucket 0 for k events at
/// the current time); pop is amortized O(log T) for time span T, since each event moves
/// to a lower bucket at most 64 times. Buckets are manually managed buffers that grow by
/// doubling and never shrink: no allocation in steady state.
public final class EventQueue {
    /// A growable buffer of events with no bounds or uniqueness checks, and the earliest
    /// time appended since it was last emptied: for a bucket above 0, which is emptied only
    /// whole, the earliest time in it (the queue's next time without a scan; bucket 0's is
    /// not read).
    struct Bucket {
        var items: UnsafeMutablePointer<Event>
        var count = 0
        var capacity: Int
        var earliest: Tick = .max

        init(capacity: Int) {
            self.capacity = capacity
            items = .allocate(capacity: capacity)
        }

        @inline(__always)
        mutating func append(_ event: Event) {
            if count == capacity { grow() }
            items[count] = event
            count &+= 1
            if event.time < earliest { earliest = event.time }
        }

        mutating func grow() {
            let bigger = UnsafeMutablePointer<Event>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: items, count: count)
            items.deallocate()
            items = bigger
            capacity *= 2
        }
    }

    private var buckets: UnsafeMutablePointer<Bucket>
    private var last: Tick = 0
    private var occupied: UInt64 = 0          // bit i set when bucket i is non-empty
    private var earliest: Tick = .max         // the earliest pending time, when `earliestKnown`
    private var earliestKnown = true
    /// Number of pending events.
    public private(set) var count = 0
    private var nextSequence: UInt64 = 0

    /// An empty queue; `capacity` is the initial room of the busiest buckets.
    public init(capacity: Int = 1024) {
        buckets = .allocate(capacity: 65)
        for i in 0..<65 { (buckets + i).initialize(to: Bucket(capacity: i == 0 ? 64 : max(16, capacity / 8))) }
    }

    deinit {
        for i in 0..<65 { buckets[i].items.deallocate() }
        buckets.deallocate()
    }

    /// Whether no event is pending.
    public var isEmpty: Bool { count == 0 }

    /// The time of the earliest pending event, or `Tick.max` when empty. O(1): the first
    /// non-empty bucket keeps its earliest time.
    /// Does not move the queue's notion of "now", so pushes before that time stay legal.
    @inline(__always)
    public var nextTime: Tick {
        if earliestKnown { return earliest }
        return findEarliest()
    }

    private func findEarliest() -> Tick {
        if count == 0 {
            earliest = .max
        } else if occupied & 1 != 0 {
            earliest = last
        } else {
            earliest = buckets[occupied.trailingZeroBitCount].earliest
        }
        earliestKnown = true
        return earliest
    }

    @inline(__always)
    private func bucketIndex(_ time: Tick) -> Int {
        time == last ? 0 : 64 &- (time ^ last).leadingZeroBitCount
    }

    /// Schedules an event; the queue stamps its insertion sequence.
    /// - Precondition: `time` is not before the last popped event's time.
    @inline(__always)
    public func push(time: Tick, priority: UInt8 = 128, target: ComponentID, kind: UInt32, payload: UInt64) {
        precondition(time >= last, "event at \(time) ps pushed after one at \(last) ps was popped")
        let event = Event(time: time, order: UInt64(priority) << 56 | nextSequence, target: target, kind: kind,
                          payload: payload)
        nextSequence &+= 1
        if earliestKnown && time < earliest { earliest = time }
        count &+= 1
        let i = bucketIndex(time)
        if i == 0 { pushCurrent(event) } else { buckets[i].append(event) }
        occupied |= 1 << UInt64(i)
    }

    /// Inserts into bucket 0, a binary min-heap on `order`.
    @inline(__always)
    private func pushCurrent(_ event: Event) {
        buckets[0].append(event)
        let h = buckets[0].items
        var hole = buckets[0].count &- 1
        while hole > 0 {
            let parent = (hole &- 1) >> 1
            if h[parent].order <= event.order { break }
            h[hole] = h[parent]
            hole = parent
        }
        h[hole] = event
    }

    /// Makes bucket 0 hold the earliest events: if it is empty, moves `last` to the
    /// smallest time of the first non-empty bucket and redistributes that bucket.
    @inline(__always)
    private func settle() {
        if occupied & 1 != 0 { return }
        let i = occupied.trailingZeroBitCount
        let source = buckets[i]
        last = nextTime
        buckets[i].count = 0
        buckets[i].earliest = .max
        occupied &= ~(1 << UInt64(i))
        for k in 0..<source.count {
            let e = source.items[k]
            let j = bucketIndex(e.time)     // < i
            if j == 0 { pushCurrent(e) } else { buckets[j].append(e) }
            occupied |= 1 << UInt64(j)
        }
    }

    /// Removes and returns the earliest event. Amortized O(log T).
    @inline(__always)
    public func pop() -> Event? {
        guard count > 0 else { return nil }
        settle()
        count &-= 1
        let h = buckets[0].items
        let top = h[0]
        let n = buckets[0].count &- 1
        buckets[0].count = n
        if n == 0 {
            occupied &= ~1
            earliestKnown = count == 0
            earliest = .max
            return top
        }
        let moved = h[n]
        var hole = 0
        var child = 1
        while child < n {
            if child &+ 1 < n && h[child &+ 1].order < h[child].order { child &+= 1 }
            if moved.order <= h[child].order { break }
            h[hole] = h[child]
            hole = child
            child = 2 &* hole &+ 1
        }
        h[hole] = moved
        return top
    }
}
