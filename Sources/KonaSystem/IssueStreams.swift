import KonaWorkloads

/// The cores' access streams as the functional model takes them: per core, accesses read
/// ahead of those applied, and its position (the instructions of the accesses it has
/// applied, at least one each). The next access is the core whose next position is least
/// (equal positions in core order). A value, so that `FunctionalRun` works on it as a
/// local: a class's stored arrays would pay dynamic exclusivity checks per access.
/// - Complexity: O(cores) per access; a batch of up to 256 accesses is read per 256 applied.
struct IssueStreams {
    private var sources: [any AccessSource]
    private let maxAccesses: UInt64
    private var read: [UInt64]
    private var positions: [UInt64]
    private var buffers: [[MemoryAccess]]
    private var next: [Int]
    private var ended: [Bool]
    /// Per core, the position its next access would take (`UInt64.max` once it has ended):
    /// kept up to date at every take, so choosing the next core is a scan of one flat array.
    private var nextPositions: [UInt64]
    /// The first trace error met (that core's stream ends there).
    private(set) var failure: WorkloadError?

    /// Streams over `sources`, each stopped after `maxAccesses` (0: no limit).
    init(sources: [any AccessSource], maxAccesses: UInt64) {
        self.sources = sources
        self.maxAccesses = maxAccesses
        read = Array(repeating: 0, count: sources.count)
        positions = Array(repeating: 0, count: sources.count)
        buffers = Array(repeating: [], count: sources.count)
        next = Array(repeating: 0, count: sources.count)
        ended = Array(repeating: false, count: sources.count)
        nextPositions = Array(repeating: .max, count: sources.count)
        for c in 0..<sources.count { refresh(c) }
    }

    /// Sets core `c`'s next position, reading its next batch if it has taken all it read.
    private mutating func refresh(_ c: Int) {
        if next[c] == buffers[c].count && (ended[c] || !readBatch(c)) {
            nextPositions[c] = .max
        } else {
            nextPositions[c] = positions[c] &+ UInt64(max(1, buffers[c][next[c]].instructions))
        }
    }

    /// The next access in issue order and its core, taken; nil once every stream has ended.
    @inline(__always)
    mutating func take() -> (core: Int, access: MemoryAccess)? {
        var core = 0
        var best = nextPositions[0]
        for c in 1..<nextPositions.count where nextPositions[c] < best { best = nextPositions[c]; core = c }
        guard best != .max else { return nil }
        let access = buffers[core][next[core]]
        next[core] &+= 1
        positions[core] = best
        refresh(core)
        return (core, access)
    }

    /// Core `core`'s next `count` accesses (fewer at the end of its stream), not taken.
    mutating func upcoming(_ count: Int, core: Int) -> [MemoryAccess] {
        while buffers[core].count - next[core] < count && !ended[core] && readBatch(core, keeping: true) {}
        return Array(buffers[core][next[core] ..< min(buffers[core].count, next[core] + count)])
    }

    /// Cores whose streams have accesses left.
    var activeCores: Int {
        (0..<sources.count).reduce(0) { $0 + (ended[$1] && next[$1] == buffers[$1].count ? 0 : 1) }
    }

    /// Reads core `c`'s next batch of up to 256 accesses, after the untaken ones if
    /// `keeping`, else in their place; false (the core has ended) at its stream's end or limit.
    private mutating func readBatch(_ c: Int, keeping: Bool = false) -> Bool {
        if !keeping || next[c] == buffers[c].count {
            buffers[c].removeFirst(next[c])
            next[c] = 0
        }
        let room = maxAccesses == 0 ? 256 : Int(min(256, maxAccesses - read[c]))
        var n = 0
        if room > 0 {
            let old = buffers[c].count
            buffers[c].append(contentsOf: repeatElement(MemoryAccess.none, count: room))
            let source = sources[c]
            do {
                n = try buffers[c].withUnsafeMutableBufferPointer { buffer throws(WorkloadError) -> Int in
                    try source.fill(UnsafeMutableBufferPointer(rebasing: buffer[old ..< old + room]))
                }
            } catch {
                if failure == nil { failure = error }
            }
            buffers[c].removeLast(room - n)
        }
        read[c] += UInt64(n)
        if n == 0 { ended[c] = true }
        return n > 0
    }
}
