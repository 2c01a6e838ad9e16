import KonaWorkloads

/// The cores' access streams as the functional model takes them: per core, accesses read
/// ahead of those applied, and its position (the instructions of the accesses it has
/// applied, at least one each). The next access is the core whose next position is least
/// (equal positions in core order). A value, so that `FunctionalRun` works on it as a
/// local: a class's stored arrays would pay dynamic exclusivity checks per access.
/// `FunctionalSystem.apply(_:limit:paged:feed:)` takes from them.
///
/// The state every take changes (positions, cursors, next positions) is in `Cursors`, flat
/// memory written without the uniqueness and bounds checks of arrays; the streams share it
/// when copied, so a copy is not to be taken from (`FunctionalRun` swaps, never copies).
/// - Complexity: O(cores) per access (O(1) once one stream is left); a batch of up to 256
///   accesses is read per 256 applied.
public struct IssueStreams {
    /// Per core: the position of its last applied access, the index of its next access in
    /// its buffer, the buffer's length, and the position its next access would take
    /// (`UInt64.max` once it has ended), kept up to date at every take so that choosing the
    /// next core is a scan of one flat array; and the buffer itself (`bases`, `capacities`),
    /// which only a batch read moves. `MemoryAccess` is a trivial type: the buffers are
    /// written and copied as plain memory.
    private final class Cursors {
        let cores: Int
        let positions: UnsafeMutablePointer<UInt64>
        let next: UnsafeMutablePointer<Int>
        let counts: UnsafeMutablePointer<Int>
        let nextPositions: UnsafeMutablePointer<UInt64>
        let bases: UnsafeMutablePointer<UnsafeMutablePointer<MemoryAccess>>
        let capacities: UnsafeMutablePointer<Int>

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
            bases = .allocate(capacity: n)
            capacities = .allocate(capacity: n)
            for c in 0..<n {
                bases[c] = .allocate(capacity: IssueStreams.batch)
                capacities[c] = IssueStreams.batch
            }
        }

        /// Makes core `c`'s buffer hold at least `capacity` accesses, keeping its first `counts[c]`.
        func reserve(_ c: Int, capacity: Int) {
            guard capacity > capacities[c] else { return }
            let grown = UnsafeMutablePointer<MemoryAccess>.allocate(capacity: max(capacity, 2 * capacities[c]))
            grown.update(from: bases[c], count: counts[c])
            bases[c].deallocate()
            bases[c] = grown
            capacities[c] = max(capacity, 2 * capacities[c])
        }

        deinit {
            for c in 0..<max(1, cores) { bases[c].deallocate() }
            positions.deallocate()
            next.deallocate()
            counts.deallocate()
            nextPositions.deallocate()
            bases.deallocate()
            capacities.deallocate()
        }
    }

    /// Accesses read from a core's source at a time.
    static let batch = 256
    private var sources: [any AccessSource]
    private let maxAccesses: UInt64
    private var read: [UInt64]
    private var ended: [Bool]
    private let cursors: Cursors
    /// The first trace error met (that core's stream ends there).
    public private(set) var failure: WorkloadError?

    /// Streams over `sources`, each stopped after `maxAccesses` (0: no limit).
    public init(sources: [any AccessSource], maxAccesses: UInt64) {
        self.sources = sources
        self.maxAccesses = maxAccesses
        read = Array(repeating: 0, count: sources.count)
        ended = Array(repeating: false, count: sources.count)
        cursors = Cursors(cores: sources.count)
        for c in 0..<sources.count { refresh(c) }
    }

    /// Sets core `c`'s next position, reading its next batch if it has taken all it read.
    private mutating func refresh(_ c: Int) {
        if cursors.next[c] == cursors.counts[c] && (ended[c] || !readBatch(c)) {
            cursors.nextPositions[c] = .max
        } else {
            cursors.nextPositions[c] = cursors.positions[c] &+ UInt64(max(1, cursors.bases[c][cursors.next[c]].instructions))
        }
    }

    /// Takes the next accesses in issue order and hands them to `body` with their core before
    /// the core's buffer is refilled; returns how many it took (at most `limit`, at least 1),
    /// 0 once every stream has ended.
    ///
    /// The next access is the core's whose next position is least (ties to the lower core).
    /// A core whose streams are the only ones left gives the rest of its batch at once (a
    /// single-threaded trace is taken 256 accesses at a time); otherwise one access is taken.
    /// Taking while a core stays first would need an exit per run that depends on the data,
    /// which a host's branch predictor misses about once a run: slower, on a trace whose
    /// threads take turns, than choosing again per access without branches.
    @inline(__always)
    mutating func take<E: Error>(limit: Int, _ body: (Int, UnsafeBufferPointer<MemoryAccess>) throws(E) -> Void) throws(E) -> Int {
        let nextPositions = cursors.nextPositions
        var core = 0
        var best = nextPositions[0]
        var others = UInt64.max                      // the least next position of the cores but `core`
        var c = 1
        while c < cursors.cores {                    // selects, without branches
            let p = nextPositions[c]
            let first = p < best
            others = first ? best : min(others, p)
            core = first ? c : core
            best = first ? p : best
            c &+= 1
        }
        guard best != .max else { return 0 }
        let buffer = cursors.bases[core]
        let first = cursors.next[core], count = cursors.counts[core]
        var position = best
        var i = first &+ 1
        if others == .max {
            let end = limit < count &- first ? first &+ limit : count   // no overflow for a limit of Int.max
            while i < end {
                position &+= UInt64(max(1, buffer[i].instructions))
                i &+= 1
            }
        }
        try body(core, UnsafeBufferPointer(start: buffer + first, count: i &- first))
        cursors.next[core] = i
        cursors.positions[core] = position
        if i < count {
            nextPositions[core] = position &+ UInt64(max(1, buffer[i].instructions))
        } else {
            refresh(core)
        }
        return i &- first
    }

    /// Core `core`'s next `count` accesses (fewer at the end of its stream), not taken.
    public mutating func upcoming(_ count: Int, core: Int) -> [MemoryAccess] {
        while cursors.counts[core] - cursors.next[core] < count && !ended[core] && readBatch(core, keeping: true) {}
        let next = cursors.next[core]
        return Array(UnsafeBufferPointer(start: cursors.bases[core] + next, count: min(cursors.counts[core] - next, count)))
    }

    /// Cores whose streams have accesses left.
    public var activeCores: Int {
        (0..<sources.count).reduce(0) { $0 + (ended[$1] && cursors.next[$1] == cursors.counts[$1] ? 0 : 1) }
    }

    /// Reads core `c`'s next batch of up to 256 accesses, after the untaken ones if
    /// `keeping`, else in their place; false (the core has ended) at its stream's end or limit.
    private mutating func readBatch(_ c: Int, keeping: Bool = false) -> Bool {
        let base = cursors.bases[c], taken = cursors.next[c]
        if !keeping || taken == cursors.counts[c] {
            // The untaken accesses move to the front (none when all were taken).
            UnsafeMutableRawPointer(base).copyMemory(from: base + taken,       // overlapping: a memmove
                                                     byteCount: (cursors.counts[c] - taken) * MemoryLayout<MemoryAccess>.stride)
            cursors.counts[c] -= taken
            cursors.next[c] = 0
        }
        let old = cursors.counts[c]                    // where the new batch goes
        let room = maxAccesses == 0 ? Self.batch : Int(min(UInt64(Self.batch), maxAccesses - read[c]))
        var n = 0
        if room > 0 {
            cursors.reserve(c, capacity: old + room)
            do {
                n = try sources[c].fill(UnsafeMutableBufferPointer(start: cursors.bases[c] + old, count: room))
            } catch {
                if failure == nil { failure = error }
            }
        }
        cursors.counts[c] = old + n
        read[c] += UInt64(n)
        if n == 0 { ended[c] = true }
        return n > 0
    }
}
