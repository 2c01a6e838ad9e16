/// A priority queue of events ordered by `(time, priority, sequence)`.
///
/// A 4-ary implicit min-heap over one `ContiguousArray`: push and pop are O(log n) with
/// fewer cache misses than a binary heap. Allocates only when it grows past its capacity.
public struct EventQueue: Sendable {
    @usableFromInline var heap: ContiguousArray<Event>
    private var nextSequence: UInt64 = 0

    /// An empty queue with room for `capacity` events before it allocates again.
    public init(capacity: Int = 1024) {
        heap = []
        heap.reserveCapacity(capacity)
    }

    /// Number of pending events.
    public var count: Int { heap.count }
    /// Whether no event is pending.
    public var isEmpty: Bool { heap.isEmpty }
    /// The time of the earliest pending event, or `Tick.max` when empty.
    @inlinable public var nextTime: Tick { heap.isEmpty ? Tick.max : heap[0].time }
    /// The earliest pending event.
    public var first: Event? { heap.first }

    /// Schedules an event; the queue stamps its insertion sequence. O(log n).
    /// - Precondition: fewer than 2^56 events are ever pushed on one queue.
    public mutating func push(time: Tick, priority: UInt8 = 128, target: ComponentID,
                              kind: UInt32, payload: UInt64) {
        let order = UInt64(priority) << 56 | nextSequence
        nextSequence &+= 1
        let event = Event(time: time, order: order, target: target, kind: kind, payload: payload)
        heap.append(event)
        heap.withUnsafeMutableBufferPointer { h in
            var hole = h.count - 1
            while hole > 0 {
                let parent = (hole - 1) >> 2
                if !event.precedes(h[parent]) { break }
                h[hole] = h[parent]
                hole = parent
            }
            h[hole] = event
        }
    }

    /// Removes and returns the earliest event. O(log n).
    public mutating func pop() -> Event? {
        guard let last = heap.popLast() else { return nil }
        if heap.isEmpty { return last }
        let top = heap[0]
        heap.withUnsafeMutableBufferPointer { h in
            let n = h.count
            var hole = 0
            while true {
                let firstChild = 4 * hole + 1
                if firstChild >= n { break }
                var best = firstChild
                let end = min(firstChild + 4, n)
                var c = firstChild + 1
                while c < end {
                    if h[c].precedes(h[best]) { best = c }
                    c += 1
                }
                if !h[best].precedes(last) { break }
                h[hole] = h[best]
                hole = best
            }
            h[hole] = last
        }
        return top
    }

    /// All pending events, earliest first. O(n log n); for diagnostics only.
    public func sortedEvents() -> [Event] { heap.sorted { $0.precedes($1) } }
}
