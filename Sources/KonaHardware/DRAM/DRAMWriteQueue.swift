import KonaEngine

/// One channel's writes not yet issued, oldest arrival first: the write queue proper (those
/// that have arrived) and writes stamped in the future (a fill reserved for when its packet
/// lands), which join it when the model's time passes their arrival.
///
/// Flat arrays from a moving head. - Complexity: insertion O(1) for a write stamped no
/// earlier than the last (O(displacement) otherwise); `remove(at: i)` O(i); amortized O(1)
/// compaction. Allocates only while growing to its largest backlog.
struct DRAMWriteQueue {
    private var times: [Tick] = []
    private var banks: [Int] = []
    private var rows: [UInt64] = []
    private var head = 0

    /// Writes held, arrived or not.
    var count: Int { times.count &- head }

    /// The arrival, bank and row of the `i`-th oldest write.
    @inline(__always) func time(_ i: Int) -> Tick { times[head &+ i] }
    @inline(__always) func bank(_ i: Int) -> Int { banks[head &+ i] }
    @inline(__always) func row(_ i: Int) -> UInt64 { rows[head &+ i] }

    /// Adds a write arriving at `time`, after every write arriving no later.
    mutating func insert(bank: Int, row: UInt64, time: Tick) {
        times.append(time); banks.append(bank); rows.append(row)
        var i = times.count &- 1
        while i > head && times[i &- 1] > time {
            times.swapAt(i, i &- 1); banks.swapAt(i, i &- 1); rows.swapAt(i, i &- 1)
            i &-= 1
        }
    }

    /// How many of the oldest writes arrived by `time`, counting at most `limit`.
    @inline(__always)
    func arrived(by time: Tick, limit: Int) -> Int {
        var n = 0
        while n < limit && head &+ n < times.count && times[head &+ n] <= time { n &+= 1 }
        return n
    }

    /// Removes the `i`-th oldest write, keeping the others in order.
    mutating func remove(at i: Int) {
        var k = head &+ i
        while k > head {
            times[k] = times[k &- 1]; banks[k] = banks[k &- 1]; rows[k] = rows[k &- 1]
            k &-= 1
        }
        head &+= 1
        if head == times.count {
            times.removeAll(keepingCapacity: true); banks.removeAll(keepingCapacity: true); rows.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head &* 2 >= times.count {
            times.removeFirst(head); banks.removeFirst(head); rows.removeFirst(head)
            head = 0
        }
    }
}
