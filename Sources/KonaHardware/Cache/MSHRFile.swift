import KonaEngine

/// Miss status holding registers, timed by reservation: each entry is busy until the
/// fill it waits for arrives.
///
/// A miss at time `t` takes an entry free at `t`, or waits for the earliest release.
/// O(entries) per miss, allocation-free after init.
public final class MSHRFile {
    /// Number of entries.
    public let capacity: Int
    private let releases: UnsafeMutablePointer<Tick>

    /// A file of `capacity` idle entries.
    public init(capacity: Int) {
        precondition(capacity >= 1, "MSHR count \(capacity) < 1")
        self.capacity = capacity
        releases = .allocate(capacity: capacity)
        releases.initialize(repeating: 0, count: capacity)
    }

    deinit { releases.deallocate() }

    /// The earliest time at or after `time` when an entry is free, and that entry.
    @inline(__always)
    public func firstFree(atOrAfter time: Tick) -> (entry: Int, time: Tick) {
        var best = 0
        var i = 0
        while i < capacity {
            let release = releases[i]
            if release <= time { return (i, time) }
            if release < releases[best] { best = i }
            i &+= 1
        }
        return (best, releases[best])
    }

    /// Marks `entry` busy until `release`.
    @inline(__always)
    public func hold(_ entry: Int, until release: Tick) { releases[entry] = release }

    /// Entries busy at `time`.
    public func occupied(at time: Tick) -> Int { (0..<capacity).filter { releases[$0] > time }.count }
}
