import KonaEngine

/// The data accesses one core issued, with their issue times, in issue order: what the
/// system's shadow dirty trackers read, merged over all cores (`DirtyTracker.observe`).
///
/// Entries live in two flat buffers that keep their capacity: after the first chunk of a run
/// has sized them, appending allocates nothing. (Cores append a batch's issued accesses at a
/// time, off their issue loop.) The trackers read them through pointers, with no reference
/// counting or bounds checks per entry.
public final class IssueLog {
    @usableFromInline var times: UnsafeMutablePointer<Tick>
    @usableFromInline var accesses: UnsafeMutablePointer<MemoryAccess>
    /// Entries held, and room for them.
    @usableFromInline var count = 0
    @usableFromInline var capacity = 0
    /// Entries before this index have been read.
    var head = 0

    public init() {
        times = .allocate(capacity: 0)
        accesses = .allocate(capacity: 0)
    }

    deinit {
        times.deallocate()
        accesses.deallocate()
    }

    /// Records that `access` was issued at `time` (not before the previous entry's time).
    @inlinable
    public func append(_ access: MemoryAccess, at time: Tick) {
        if count == capacity { grow() }
        times[count] = time
        (accesses + count).initialize(to: access)
        count &+= 1
    }

    /// Doubles the room (at least 1,024 entries).
    @usableFromInline func grow() {
        capacity = max(1024, 2 * capacity)
        let newTimes = UnsafeMutablePointer<Tick>.allocate(capacity: capacity)
        let newAccesses = UnsafeMutablePointer<MemoryAccess>.allocate(capacity: capacity)
        newTimes.moveInitialize(from: times, count: count)
        newAccesses.moveInitialize(from: accesses, count: count)
        times.deallocate()
        accesses.deallocate()
        times = newTimes
        accesses = newAccesses
    }

    /// The issue times of the entries not read yet, in order.
    var unreadTimes: [Tick] { Array(UnsafeBufferPointer(start: times + head, count: count - head)) }

    /// Drops the entries read so far, keeping the room.
    func compact() {
        guard head > 0 else { return }
        let left = count - head
        times.update(from: times + head, count: left)      // the regions may overlap
        accesses.update(from: accesses + head, count: left)
        count = left
        head = 0
    }
}
