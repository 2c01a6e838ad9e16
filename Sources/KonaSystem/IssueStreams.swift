import KonaWorkloads

/// The cores' access streams as the functional model takes them: per core, accesses read
/// ahead of those applied, and its position (the instructions of the accesses it has
/// applied, at least one each). The next access is the core whose next position is least
/// (equal positions in core order). A value, so that `FunctionalRun` works on it as a
/// local: a class's stored arrays would pay dynamic exclusivity checks per access.
///
/// The state every take changes (positions, cursors, next positions) is in `Cursors`, flat
/// memory written without the uniqueness and bounds checks of arrays; the streams share it
/// when copied, so a copy is not to be taken from (`FunctionalRun` swaps, never copies).
/// - Complexity: O(cores) per run of one core's accesses, O(1) per access in it; a batch of up
///   to 256 accesses is read per 256 applied.
struct IssueStreams {
    /// Per core: the position of its last applied access, the index of its next access in
    /// its buffer, the buffer's length, and the position its next access would take
    /// (`UInt64.max` once it has ended), kept up to date at every take so that choosing the
    /// next core is a scan of one flat array.
    private final class Cursors {
        let cores: Int
        let positions: UnsafeMutablePointer<UInt64>
        let next: UnsafeMutablePointer<Int>
        let counts: UnsafeMutablePointer<Int>
        let nextPositions: UnsafeMutablePointer<UInt64>

        init(cores: Int) {
            self.cores = cores
            let n = max(1, cores)                    // an empty set of streams has one ended slot
            positions = .allocate(capacity: n)
            positions.initialize(repeating: 0, count: n)
            next = .allocate(capacity: n)
            next.initialize(repeating: 0, count: n)
            counts = .allocate(capacity: n)
            counts.initialize(repeating: 0, count: n)
            nextPositions = .allocate(capacity: n)
            nextPositions.initialize(repeating: .max, count: n)
        }

        deinit {
            positions.deallocate()
            next.deallocate()
            counts.deallocate()
            nextPositions.deallocate()
        }
    }

    private var sources: [any AccessSource]
    private let maxAccesses: UInt64
    private var read: [UInt64]
    private var buffers: [[MemoryAccess]]
    private var ended: [Bool]
    private let cursors: Cursors
    /// The first trace error met (that core's stream ends there).
    private(set) var failure: WorkloadError?

    /// Streams over `sources`, each stopped after `maxAccesses` (0: no limit).
    init(sources: [any AccessSource], maxAccesses: UInt64) {
        self.sources = sources
        self.maxAccesses = maxAccesses
        read = Array(repeating: 0, count: sources.count)
        buffers = Array(repeating: [], count: sources.count)
        ended = Array(repeating: false, count: sources.count)
        cursors = Cursors(cores: sources.count)
        for c in 0..<sources.count { refresh(c) }
    }

    /// Sets core `c`'s next position, reading its next batch if it has taken all it read.
    private mutating func refresh(_ c: Int) {
        if cursors.next[c] == cursors.counts[c] && (ended[c] || !readBatch(c)) {
            cursors.nextPositions[c] = .max
        } else {
            cursors.nextPositions[c] = cursors.positions[c] &+ UInt64(max(1, buffers[c][cursors.next[c]].instructions))
        }
    }

    /// Takes the next accesses in issue order for as long as they are one core's, at most
    /// `limit` (at least 1), and hands them to `body` with their core before the core's
    /// buffer is refilled; returns how many it took, 0 once every stream has ended.
    ///
    /// The order is the one a take per access would give: core `c`'s next access comes first
    /// while its position is below every other core's next, or equal to the least of them
    /// when `c` is the lower core. A single-threaded trace is taken a batch at a time.
    @inline(__always)
    mutating func takeRun<E: Error>(limit: Int, _ body: (Int, UnsafeBufferPointer<MemoryAccess>) throws(E) -> Void) throws(E) -> Int {
        let nextPositions = cursors.nextPositions
        var core = 0
        var best = nextPositions[0]
        var other = UInt64.max, otherCore = Int.max  // the least next position of the cores but `core`
        var c = 1
        while c < cursors.cores {
            let p = nextPositions[c]
            if p < best {
                other = best; otherCore = core
                best = p; core = c
            } else if p < other {
                other = p; otherCore = c
            }
            c &+= 1
        }
        guard best != .max else { return 0 }
        let first = cursors.next[core], count = cursors.counts[core]
        var position = best, taken = 1
        try buffers[core].withUnsafeBufferPointer { buffer throws(E) in
            let end = min(count, first &+ limit)
            var i = first &+ 1
            while i < end {
                let p = position &+ UInt64(max(1, buffer[i].instructions))
                guard p < other || (p == other && core < otherCore) else { break }
                position = p
                i &+= 1
            }
            taken = i &- first
            try body(core, UnsafeBufferPointer(rebasing: buffer[first ..< i]))
        }
        let i = first &+ taken
        cursors.next[core] = i
        cursors.positions[core] = position
        if i < count {
            nextPositions[core] = position &+ UInt64(max(1, buffers[core][i].instructions))
        } else {
            refresh(core)
        }
        return taken
    }

    /// Core `core`'s next `count` accesses (fewer at the end of its stream), not taken.
    mutating func upcoming(_ count: Int, core: Int) -> [MemoryAccess] {
        while cursors.counts[core] - cursors.next[core] < count && !ended[core] && readBatch(core, keeping: true) {}
        let next = cursors.next[core]
        return Array(buffers[core][next ..< min(buffers[core].count, next + count)])
    }

    /// Cores whose streams have accesses left.
    var activeCores: Int {
        (0..<sources.count).reduce(0) { $0 + (ended[$1] && cursors.next[$1] == cursors.counts[$1] ? 0 : 1) }
    }

    /// Reads core `c`'s next batch of up to 256 accesses, after the untaken ones if
    /// `keeping`, else in their place; false (the core has ended) at its stream's end or limit.
    /// A batch taken whole is overwritten in place (no reallocation or copy of placeholders).
    private mutating func readBatch(_ c: Int, keeping: Bool = false) -> Bool {
        var old = buffers[c].count                     // where the new batch goes
        if !keeping || cursors.next[c] == old {
            if cursors.next[c] == old {
                old = 0
            } else {
                buffers[c].removeFirst(cursors.next[c])
                old = buffers[c].count
            }
            cursors.next[c] = 0
        }
        let room = maxAccesses == 0 ? 256 : Int(min(256, maxAccesses - read[c]))
        var n = 0
        if room > 0 {
            let missing = old + room - buffers[c].count
            if missing > 0 { buffers[c].append(contentsOf: repeatElement(MemoryAccess.none, count: missing)) }
            let source = sources[c]
            do {
                n = try buffers[c].withUnsafeMutableBufferPointer { buffer throws(WorkloadError) -> Int in
                    try source.fill(UnsafeMutableBufferPointer(rebasing: buffer[old ..< old + room]))
                }
            } catch {
                if failure == nil { failure = error }
            }
        }
        buffers[c].removeLast(buffers[c].count - (old + n))
        cursors.counts[c] = buffers[c].count
        read[c] += UInt64(n)
        if n == 0 { ended[c] = true }
        return n > 0
    }
}
