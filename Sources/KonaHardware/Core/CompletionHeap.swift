import KonaEngine

/// The completion times of a core's accesses in flight: a binary min-heap of fixed
/// capacity over one buffer. Push and pop are O(log n), allocation-free.
public struct CompletionHeap {
    private let times: UnsafeMutablePointer<Tick>
    /// Maximum number of entries.
    public let capacity: Int
    /// Number of entries.
    public private(set) var count = 0
    /// The latest completion ever pushed.
    public private(set) var latest: Tick = 0

    /// An empty heap for at most `capacity` entries. The owner frees it with `deallocate()`.
    public init(capacity: Int) {
        self.capacity = capacity
        times = .allocate(capacity: capacity)
    }

    /// Frees the buffer.
    public func deallocate() { times.deallocate() }

    /// The earliest completion, or `Tick.max` when empty.
    @inline(__always) public var earliest: Tick { count == 0 ? .max : times[0] }

    /// Adds a completion time.
    /// - Precondition: `count < capacity`.
    @inline(__always)
    public mutating func push(_ time: Tick) {
        precondition(count < capacity, "more than \(capacity) accesses in flight")
        if time > latest { latest = time }
        var hole = count
        count &+= 1
        while hole > 0 {
            let parent = (hole &- 1) >> 1
            if times[parent] <= time { break }
            times[hole] = times[parent]
            hole = parent
        }
        times[hole] = time
    }

    /// Removes the earliest completion.
    /// - Precondition: not empty.
    @inline(__always)
    public mutating func popEarliest() -> Tick {
        let top = times[0]
        count &-= 1
        let last = times[count]
        var hole = 0
        var child = 1
        while child < count {
            if child &+ 1 < count && times[child &+ 1] < times[child] { child &+= 1 }
            if last <= times[child] { break }
            times[hole] = times[child]
            hole = child
            child = 2 &* hole &+ 1
        }
        if count > 0 { times[hole] = last }
        return top
    }

    /// Removes every completion at or before `time`.
    @inline(__always)
    public mutating func retire(upTo time: Tick) {
        while count > 0 && times[0] <= time { _ = popEarliest() }
    }
}
