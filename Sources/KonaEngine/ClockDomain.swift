/// A clock of fixed frequency, converting between its cycles and ticks (picoseconds).
///
/// Edge `k` of the clock is at tick `floor(k * 10^12 / hertz)`, so clocks whose period is not
/// a whole number of picoseconds (2.4 GHz: 416.67 ps) stay exact over any number of cycles.
/// All conversions are O(1) and allocate nothing.
public struct ClockDomain: Sendable, Equatable, CustomStringConvertible {
    /// Frequency in hertz; at least 1 and at most 10^12 (one edge per picosecond).
    public let hertz: UInt64

    /// A clock of `hertz` cycles per second.
    /// - Precondition: `1 <= hertz <= 10^12`.
    public init(hertz: UInt64) {
        precondition(hertz >= 1 && hertz <= Ticks.s, "clock frequency \(hertz) Hz outside 1 Hz ... 1 THz")
        self.hertz = hertz
    }

    /// The duration of `cycles` cycles, rounded to the nearest picosecond.
    public func ticks(forCycles cycles: UInt64) -> Tick {
        let product = cycles.multipliedFullWidth(by: Ticks.s)
        let (q, r) = hertz.dividingFullWidth((product.high, product.low))
        return r * 2 >= hertz ? q + 1 : q
    }

    /// The tick of edge number `cycle` (edge 0 is tick 0).
    public func tick(ofEdge cycle: UInt64) -> Tick {
        cycle.scaledRoundingDown(by: Ticks.s, dividedBy: hertz)
    }

    /// The number of the last edge at or before `tick`.
    public func cycle(at tick: Tick) -> UInt64 {
        // Largest k with floor(k * 10^12 / f) <= tick, i.e. k * 10^12 / f < tick + 1.
        (tick + 1).scaledRoundingUp(by: hertz, dividedBy: Ticks.s) - 1
    }

    /// The tick of the first edge at or after `tick`.
    public func nextEdge(atOrAfter tick: Tick) -> Tick {
        self.tick(ofEdge: tick.scaledRoundingUp(by: hertz, dividedBy: Ticks.s))
    }

    public var description: String { "\(hertz) Hz" }

    /// Walks the edges of a clock one at a time without dividing: `advance()` is two adds
    /// and a compare, and the cursor always equals `tick(ofEdge: cycle)` exactly.
    public struct EdgeCursor: Sendable {
        /// The current edge number.
        public private(set) var cycle: UInt64
        /// The tick of the current edge.
        public private(set) var tick: Tick
        private var remainder: UInt64          // (cycle * 10^12) mod hertz
        private let hertz: UInt64
        private let wholePeriod: UInt64        // 10^12 / hertz
        private let periodRemainder: UInt64    // 10^12 mod hertz

        /// A cursor on edge `cycle` of `clock`.
        public init(clock: ClockDomain, cycle: UInt64 = 0) {
            hertz = clock.hertz
            wholePeriod = Ticks.s / clock.hertz
            periodRemainder = Ticks.s % clock.hertz
            self.cycle = 0
            tick = 0
            remainder = 0
            moveTo(cycle: cycle)
        }

        /// Jumps to edge `cycle` (one 128-bit division).
        public mutating func moveTo(cycle: UInt64) {
            let product = cycle.multipliedFullWidth(by: Ticks.s)
            let (q, r) = hertz.dividingFullWidth((product.high, product.low))
            self.cycle = cycle
            tick = q
            remainder = r
        }

        /// Moves to the first edge at or after `time` (no earlier than the current edge).
        /// Uses 64-bit arithmetic for jumps of up to 2^20 cycles, a 128-bit division beyond.
        @inline(__always)
        public mutating func advance(toAtOrAfter time: Tick) {
            if time <= tick { return }
            if time &- tick <= wholePeriod { return advance() }     // within one period: no division
            let cycles = (time &- tick) / (wholePeriod &+ 1)        // never overshoots
            if cycles >= 1 << 20 {
                let clock = ClockDomain(hertz: hertz)
                moveTo(cycle: clock.cycle(at: clock.nextEdge(atOrAfter: time)))
                return
            }
            if cycles > 0 {
                let carried = remainder &+ cycles &* periodRemainder
                cycle &+= cycles
                tick &+= cycles &* wholePeriod &+ carried / hertz
                remainder = carried % hertz
            }
            while tick < time { advance() }
        }

        /// Moves `cycles` edges on (64-bit arithmetic for up to 2^20 cycles, a 128-bit
        /// division beyond).
        @inline(__always)
        public mutating func advance(by cycles: UInt64) {
            if cycles <= 1 {
                if cycles == 1 { advance() }
                return
            }
            if cycles >= 1 << 20 {
                moveTo(cycle: cycle &+ cycles)
                return
            }
            let carried = remainder &+ cycles &* periodRemainder
            cycle &+= cycles
            tick &+= cycles &* wholePeriod &+ carried / hertz
            remainder = carried % hertz
        }

        /// Moves to the next edge.
        @inline(__always)
        public mutating func advance() {
            cycle &+= 1
            tick &+= wholePeriod
            remainder &+= periodRemainder
            if remainder >= hertz {
                remainder &-= hertz
                tick &+= 1
            }
        }
    }
}
