import KonaEngine

/// The data accesses one core issued, with their issue times, in issue order: what the
/// system's shadow dirty trackers read, merged over all cores (`DirtyTracker.observe`).
///
/// Entries live in arrays that keep their capacity: after the first chunk of a run has
/// sized them, appending allocates nothing. (Cores append a batch's issued accesses at a
/// time, off their issue loop.)
public final class IssueLog {
    @usableFromInline var times: [Tick] = []
    @usableFromInline var accesses: [MemoryAccess] = []
    /// Entries before this index have been read.
    var head = 0

    public init() {}

    /// Records that `access` was issued at `time` (not before the previous entry's time).
    @inlinable
    public func append(_ access: MemoryAccess, at time: Tick) {
        times.append(time)
        accesses.append(access)
    }

    /// Drops the entries read so far, keeping the arrays' capacity.
    func compact() {
        guard head > 0 else { return }
        let left = times.count - head
        if left == 0 {
            times.removeAll(keepingCapacity: true)
            accesses.removeAll(keepingCapacity: true)
        } else {
            times.removeSubrange(0..<head)
            accesses.removeSubrange(0..<head)
        }
        head = 0
    }
}
