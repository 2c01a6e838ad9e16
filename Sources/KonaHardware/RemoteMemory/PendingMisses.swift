/// Misses waiting for a frame of a `FrameCache` (FMem: the FPGA's, also waiting for its
/// outstanding limit, and the CXL device's), kept so that a retry costs in proportion to the
/// misses that can proceed, not to all of them.
///
/// A miss is ready (not tried yet, or its set has opened since it last failed) or waits on
/// its set, in a chain per set (by the set's ordinal in the `FrameCache`). A retry first
/// makes ready the misses of the sets that opened since (`FrameCache.takeOpenedSets`), then
/// takes the ready ones oldest first (a binary heap by arrival number). A miss left waiting
/// would fail the same way again and change nothing, so the misses a retry takes, and their
/// order, are those of a walk of every miss in arrival order that skips the ones whose set
/// has not opened since their last failure: the order of admission (and the FPGA's cut at
/// its outstanding limit) are the walk's.
struct PendingMisses {
    /// A miss: its block and the line it brings first (the FPGA's critical line).
    struct Miss {
        var block: UInt64
        var line: UInt64
        /// Its place in arrival order.
        fileprivate var arrival: UInt64
        /// The next miss waiting on the same set (a slot), or -1.
        fileprivate var next: Int32
    }

    private var slots: [Miss] = []
    private var freeSlots: [Int32] = []
    /// The ready misses, a binary min-heap by arrival.
    private var ready: [(arrival: UInt64, slot: Int32)] = []
    /// Per set ordinal, the first and last misses waiting on it (slots), or -1.
    private var firstWaiting: [Int32] = []
    private var lastWaiting: [Int32] = []
    private var arrivals: UInt64 = 0
    /// Misses held, ready or waiting.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    /// Whether a miss is ready (a retry may start one).
    var hasReady: Bool { !ready.isEmpty }

    /// Adds a miss for `block` (bringing `line` first) after every other, ready.
    mutating func append(block: UInt64, line: UInt64) {
        let miss = Miss(block: block, line: line, arrival: arrivals, next: -1)
        arrivals &+= 1
        let slot: Int32
        if let s = freeSlots.popLast() {
            slot = s
            slots[Int(s)] = miss
        } else {
            slot = Int32(slots.count)
            slots.append(miss)
        }
        count += 1
        push(miss.arrival, slot)
    }

    /// Makes ready the misses waiting on the sets that `frames` says have opened.
    mutating func readyOpened(in frames: FrameCache) {
        frames.takeOpenedSets { o in
            var s = firstWaiting[o]
            firstWaiting[o] = -1
            lastWaiting[o] = -1
            while s >= 0 {
                push(slots[Int(s)].arrival, s)
                s = slots[Int(s)].next
            }
        }
    }

    /// The oldest ready miss and its slot, no longer ready: the caller then `remove`s it or
    /// makes it `wait`.
    mutating func takeOldestReady() -> (slot: Int32, miss: Miss)? {
        guard let first = ready.first else { return nil }
        let last = ready.removeLast()
        if !ready.isEmpty {
            ready[0] = last
            siftDown()
        }
        return (first.slot, slots[Int(first.slot)])
    }

    /// The miss in `slot`, taken, has started: it is gone.
    mutating func remove(_ slot: Int32) {
        freeSlots.append(slot)
        count -= 1
    }

    /// The miss in `slot`, taken, failed: it waits until the set with ordinal `o` opens.
    mutating func wait(_ slot: Int32, onSet o: Int) {
        if o >= firstWaiting.count {
            let more = o + 1 - firstWaiting.count
            firstWaiting.append(contentsOf: repeatElement(-1, count: more))
            lastWaiting.append(contentsOf: repeatElement(-1, count: more))
        }
        slots[Int(slot)].next = -1
        if lastWaiting[o] < 0 { firstWaiting[o] = slot } else { slots[Int(lastWaiting[o])].next = slot }
        lastWaiting[o] = slot
    }

    private mutating func push(_ arrival: UInt64, _ slot: Int32) {
        ready.append((arrival, slot))
        var child = ready.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard ready[child].arrival < ready[parent].arrival else { break }
            ready.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown() {
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < ready.count else { return }
            var child = left
            if left + 1 < ready.count && ready[left + 1].arrival < ready[left].arrival { child = left + 1 }
            guard ready[child].arrival < ready[parent].arrival else { return }
            ready.swapAt(child, parent)
            parent = child
        }
    }
}
