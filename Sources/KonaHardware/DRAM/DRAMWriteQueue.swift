import KonaEngine

/// One channel's writes not yet issued, oldest arrival first: the write queue proper (those
/// that have arrived) and writes stamped in the future (a fill reserved for when its packet
/// lands), which join it when the model's time passes their arrival.
///
/// A manually managed buffer from a moving head (no copy-on-write checks or reference
/// counting on the hot path); its owner calls `deallocate()` once.
/// - Complexity: insertion O(1) for a write stamped no earlier than the last
///   (O(displacement) otherwise); `remove(at: i)` O(i); amortized O(1) compaction. Allocates
///   only while growing to its largest backlog.
struct DRAMWriteQueue {
    /// A queued write: its arrival cycle, flat bank and row.
    struct Entry {
        var time: UInt64
        var bank: Int
        var row: UInt64
    }

    private var entries: UnsafeMutablePointer<Entry>
    private var capacity = 64
    private var head = 0
    private var tail = 0

    init() { entries = .allocate(capacity: capacity) }
    /// Frees the buffer; the queue is not used after.
    func deallocate() { entries.deallocate() }

    /// Writes held, arrived or not.
    var count: Int { tail &- head }

    /// The `i`-th oldest write.
    @inline(__always) subscript(i: Int) -> Entry { entries[head &+ i] }

    /// Adds a write arriving at cycle `time`, after every write arriving no later.
    mutating func insert(bank: Int, row: UInt64, time: UInt64) {
        if tail == capacity { makeRoom() }
        var i = tail
        while i > head && entries[i &- 1].time > time {
            (entries + i).initialize(to: entries[i &- 1])
            i &-= 1
        }
        (entries + i).initialize(to: Entry(time: time, bank: bank, row: row))
        tail &+= 1
    }

    /// How many of the oldest writes arrived by cycle `time`, counting at most `limit`.
    @inline(__always)
    func arrived(by time: UInt64, limit: Int) -> Int {
        var n = 0
        while n < limit && head &+ n < tail && entries[head &+ n].time <= time { n &+= 1 }
        return n
    }

    /// Removes the `i`-th oldest write, keeping the others in order.
    mutating func remove(at i: Int) {
        var k = head &+ i
        while k > head {
            entries[k] = entries[k &- 1]
            k &-= 1
        }
        head &+= 1
        if head == tail { head = 0; tail = 0 }
    }

    /// Moves the live entries to the front, or doubles the buffer when it is mostly full.
    private mutating func makeRoom() {
        let live = tail &- head
        if live &* 2 > capacity {
            let bigger = UnsafeMutablePointer<Entry>.allocate(capacity: capacity &* 2)
            bigger.moveInitialize(from: entries + head, count: live)
            entries.deallocate()
            entries = bigger
            capacity &*= 2
        } else {
            entries.moveUpdate(from: entries + head, count: live)
        }
        head = 0
        tail = live
    }
}
