import KonaEngine

/// When a core's instructions issue: in program order, `num / den` per cycle of `clock`.
///
/// Counting restarts on an edge whenever issue is held (by memory, by an access that
/// issued late): instruction `j` after a restart on edge `c` issues on edge
/// `c + floor(j * den / num)`, so N instructions from a restart take `ceil(N * den / num)`
/// cycles. A value type of a few words; every operation is O(1) with at most two
/// divisions and allocates nothing.
struct InstructionClock {
    /// The edge of the next instruction.
    private(set) var next: ClockDomain.EdgeCursor
    /// Slot units of `next`'s cycle already used (an instruction uses `den` of the `num`
    /// a cycle has); in `0..<num`.
    private var used: UInt64 = 0
    private let num: UInt64, den: UInt64
    /// Instructions issued (the sequence number of the latest; 0 before the first).
    private(set) var issued: UInt64 = 0
    /// Time instructions were held for memory, in ticks.
    private(set) var held: Tick = 0

    init(clock: ClockDomain, numerator: UInt64, denominator: UInt64) {
        next = ClockDomain.EdgeCursor(clock: clock)
        num = numerator
        den = denominator
    }

    /// The edge instruction `seq` (after `issued`) issues on if nothing holds it.
    @inline(__always)
    func edge(of seq: UInt64) -> ClockDomain.EdgeCursor {
        var at = next
        at.advance(by: (used &+ (seq &- issued &- 1) &* den) / num)
        return at
    }

    /// Instruction `seq` (after `issued`) waits until `time` for memory: the ones before it
    /// have issued, and issue restarts on the first edge at or after `time`. Returns the
    /// edges the wait runs between, if it waits.
    @discardableResult
    mutating func hold(_ seq: UInt64, until time: Tick) -> (from: Tick, to: Tick)? {
        let at = edge(of: seq)
        guard time > at.tick else { return nil }
        next = at
        next.advance(toAtOrAfter: time)
        held &+= next.tick &- at.tick
        used = 0
        issued = seq &- 1
        return (at.tick, next.tick)
    }

    /// Issues the instructions up to and including `seq` (after `issued`); returns the edge
    /// the last of them issues on.
    @inline(__always)
    mutating func issue(through seq: UInt64) -> Tick {
        let before = used &+ (seq &- issued &- 1) &* den       // slot units before the last one
        next.advance(by: before / num)
        let at = next.tick
        let units = before % num &+ den
        next.advance(by: units / num)
        used = units % num
        issued = seq
        return at
    }

    /// Nothing more issues before `time` (an access issued then, or an interrupt ran until
    /// then): the next instruction issues on the first edge at or after it.
    @inline(__always)
    mutating func restart(notBefore time: Tick) {
        guard time > next.tick else { return }
        next.advance(toAtOrAfter: time)
        used = 0
    }

    /// The end of the cycle of the latest instruction: when it retires if it waits for
    /// nothing.
    var end: Tick {
        if used == 0 { return next.tick }
        var after = next
        after.advance()
        return after.tick
    }
}
