import KonaEngine

/// The incomplete loads a core's retirement waits for, in program order: one entry per
/// instruction (by sequence number) with a load waiting for data, holding when its last
/// load's data arrives, or how many of its loads the memory has not answered yet. An
/// instruction `window` or more after such a load issues only once the load has its data.
///
/// Fixed capacity, allocated once: `capacity` entries (a core's window: no more
/// instructions than that can have an incomplete load at once) and `maxPending` loads the
/// memory has not answered. Adding and dropping the oldest are O(1); a deferred load's
/// completion is O(maxPending + log capacity).
struct RetirementWindow {
    /// An instruction with loads waiting for data.
    struct Entry {
        /// The instruction's sequence number (1 for the core's first instruction).
        var seq: UInt64
        /// When its loads with known completion times have their data (0 if none).
        var ready: Tick
        /// Its loads whose completion time the memory has not reported.
        var pending: Int
    }

    /// Instructions from an incomplete load to the first that waits for it.
    let window: UInt64
    private let entries: UnsafeMutablePointer<Entry>
    private let capacity: Int
    private var head = 0
    /// Entries held.
    private(set) var count = 0
    /// Loads the memory has not answered: (access ordinal, instruction sequence number).
    private let pendingLoads: UnsafeMutablePointer<(ordinal: UInt64, seq: UInt64)>
    private let maxPending: Int
    private var pendingCount = 0

    /// An empty window of `window` instructions (at most that many instructions have
    /// incomplete loads at once) and `maxPending` loads the memory has not answered. The
    /// owner frees it with `deallocate()`.
    init(window: Int, maxPending: Int) {
        self.window = UInt64(window)
        capacity = window &+ 1
        self.maxPending = maxPending
        entries = .allocate(capacity: capacity)
        pendingLoads = .allocate(capacity: maxPending)
    }

    func deallocate() {
        entries.deallocate()
        pendingLoads.deallocate()
    }

    /// Whether a load holds any instruction up to `seq` (O(1)).
    @inline(__always)
    func holds(through seq: UInt64) -> Bool { count > 0 && entry(0).seq &+ window <= seq }

    /// Issues the instructions after `clock.issued` up to and including `seq` through
    /// `clock`: each waits, if it must, for the data of the loads `window` or more
    /// instructions before it. Returns the edge `seq` issues on and how many of the oldest
    /// entries hold nothing any more (for `dropOldest`), or nil when one of the instructions
    /// must wait for a load the memory has not answered (`clock` is then partly advanced).
    /// `waited` hears of each wait (from, to). O(1) when no entry holds these instructions,
    /// O(entries dropped) otherwise.
    func issue(through seq: UInt64, on clock: inout InstructionClock,
               waited: (Tick, Tick) -> Void = { _, _ in }) -> (at: Tick, dropped: Int)? {
        var dropped = 0
        while dropped < count {
            let oldest = entry(dropped)
            let held = oldest.seq &+ window          // the first instruction that waits for it
            if held > seq { break }
            if oldest.pending > 0 { return nil }
            if let wait = clock.hold(held, until: oldest.ready) { waited(wait.from, wait.to) }
            dropped &+= 1
        }
        return (clock.issue(through: seq), dropped)
    }

    /// The `i`-th oldest entry.
    @inline(__always)
    func entry(_ i: Int) -> Entry {
        var k = head &+ i
        if k >= capacity { k &-= capacity }
        return entries[k]
    }

    /// Drops the `n` oldest entries.
    mutating func dropOldest(_ n: Int) {
        precondition(n <= count, "dropping \(n) of \(count) entries")
        head &+= n
        if head >= capacity { head &-= capacity }
        count &-= n
    }

    /// Records a load of instruction `seq` (no older than the youngest entry's) that has its
    /// data at `ready`.
    mutating func add(seq: UInt64, ready: Tick) {
        let i = youngest(seq)
        if entries[i].ready < ready { entries[i].ready = ready }
    }

    /// Records a load of instruction `seq` whose completion the memory will report with
    /// `ordinal` (`complete(ordinal:at:)`).
    mutating func addPending(seq: UInt64, ordinal: UInt64) {
        precondition(pendingCount < maxPending, "more than \(maxPending) loads pending")
        entries[youngest(seq)].pending &+= 1
        pendingLoads[pendingCount] = (ordinal, seq)
        pendingCount &+= 1
    }

    /// The index of the entry of `seq`, added as the youngest if it is not already.
    private mutating func youngest(_ seq: UInt64) -> Int {
        if count > 0 {
            var last = head &+ count &- 1
            if last >= capacity { last &-= capacity }
            if entries[last].seq == seq { return last }
            precondition(entries[last].seq < seq, "instruction \(seq) added after \(entries[last].seq)")
        }
        precondition(count < capacity, "more than \(capacity) instructions with incomplete loads")
        var k = head &+ count
        if k >= capacity { k &-= capacity }
        entries[k] = Entry(seq: seq, ready: 0, pending: 0)
        count &+= 1
        return k
    }

    /// The memory reports the load numbered `ordinal` complete at `time`; a no-op for an
    /// access the window does not hold (a store, an access before any instruction).
    mutating func complete(ordinal: UInt64, at time: Tick) {
        var p = 0
        while p < pendingCount && pendingLoads[p].ordinal != ordinal { p &+= 1 }
        guard p < pendingCount else { return }
        let seq = pendingLoads[p].seq
        pendingCount &-= 1
        pendingLoads[p] = pendingLoads[pendingCount]
        // Binary search: sequence numbers grow from the oldest entry to the youngest.
        var low = 0, high = count
        while low < high {
            let mid = (low &+ high) >> 1
            if entry(mid).seq < seq { low = mid &+ 1 } else { high = mid }
        }
        precondition(low < count && entry(low).seq == seq, "a pending load of instruction \(seq) has no entry")
        var k = head &+ low
        if k >= capacity { k &-= capacity }
        entries[k].pending &-= 1
        if entries[k].ready < time { entries[k].ready = time }
    }
}
