/// A pipelined lookup stage (a cache slice's tags, a directory) that accepts at most
/// `perCycle` operations in each cycle of its clock and queues the rest, first come first
/// served.
///
/// An operation arriving at `t` is accepted at `t` itself if the cycle `t` falls in still
/// has room (an idle stage adds no latency), else at the start of the first later cycle
/// that has. Arrivals must come in time order (the stage is driven by events). O(1), no
/// allocation.
public struct LookupPort: Sendable {
    /// The stage's clock.
    public let clock: ClockDomain
    /// Operations accepted per cycle.
    public let perCycle: Int
    /// The cycle being filled, and how many it has accepted.
    private var cycle: UInt64 = 0
    private var used = 0
    /// Operations accepted.
    public private(set) var lookups: UInt64 = 0
    /// Of those, the ones that waited for a later cycle, and their total wait in ps.
    public private(set) var delayed: UInt64 = 0
    public private(set) var waitTime: Tick = 0

    /// A stage of `clock` accepting `perCycle` (>= 1) operations per cycle.
    public init(clock: ClockDomain, perCycle: Int) {
        precondition(perCycle >= 1, "a lookup stage accepts at least one operation per cycle")
        self.clock = clock
        self.perCycle = perCycle
    }

    /// Accepts an operation arriving at `time`; returns when it is accepted (>= `time`).
    @inline(__always)
    public mutating func admit(at time: Tick) -> Tick {
        lookups &+= 1
        let c = clock.cycle(at: time)
        if c > cycle {
            cycle = c
            used = 1
            return time
        }
        if used < perCycle {
            used &+= 1
            if c == cycle { return time }
        } else {
            cycle &+= 1
            used = 1
        }
        // Behind a backlog: accepted at the start of the cycle being filled.
        let accepted = clock.tick(ofEdge: cycle)
        delayed &+= 1
        waitTime &+= accepted &- time
        return accepted
    }
}
