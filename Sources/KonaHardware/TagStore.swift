import KonaEngine

/// The tags and line states of a set-associative cache of 64-byte lines.
///
/// Flat buffers indexed `set * ways + way`, allocated once: lookup is O(ways) with no
/// bounds or uniqueness checks and no allocation. An invalid way holds
/// `TagStore.invalid`. Each way records when its data is (or will be) present, so a
/// line whose fill is still in flight is visible as pending. Victim choice prefers
/// invalid ways (lowest index first), then applies the replacement policy.
/// - Invariant: a line is valid in at most one way of its set.
public final class TagStore {
    /// Marker for an invalid way.
    public static let invalid = UInt64.max
    /// Number of sets (a power of two).
    public let sets: Int
    /// Ways per set.
    public let ways: Int
    /// The victim-selection policy.
    public let policy: ReplacementPolicy
    private let setMask: UInt64
    private let lines: UnsafeMutablePointer<UInt64>
    private let dirtyBits: UnsafeMutablePointer<Bool>
    private let ready: UnsafeMutablePointer<Tick>
    private let mergeCounts: UnsafeMutablePointer<UInt32>
    private let stamps: UnsafeMutablePointer<UInt64>
    private var clock: UInt64 = 0
    private var random: RandomStream

    /// A store of `sets` x `ways` lines, all invalid.
    /// - Precondition: `sets` is a power of two; `ways >= 1`.
    public init(sets: Int, ways: Int, policy: ReplacementPolicy, random: RandomStream) {
        precondition(sets > 0 && sets & (sets - 1) == 0, "set count \(sets) is not a power of two")
        precondition(ways >= 1, "ways \(ways) < 1")
        self.sets = sets
        self.ways = ways
        self.policy = policy
        self.setMask = UInt64(sets - 1)
        self.random = random
        let n = sets * ways
        lines = .allocate(capacity: n); lines.initialize(repeating: Self.invalid, count: n)
        dirtyBits = .allocate(capacity: n); dirtyBits.initialize(repeating: false, count: n)
        ready = .allocate(capacity: n); ready.initialize(repeating: 0, count: n)
        mergeCounts = .allocate(capacity: n); mergeCounts.initialize(repeating: 0, count: n)
        stamps = .allocate(capacity: n); stamps.initialize(repeating: 0, count: n)
    }

    deinit {
        lines.deallocate(); dirtyBits.deallocate(); ready.deallocate(); mergeCounts.deallocate(); stamps.deallocate()
    }

    /// The set a line maps to.
    @inline(__always)
    public func set(of line: UInt64) -> Int { Int(line & setMask) }

    /// The index (`set * ways + way`) holding `line`, or -1. O(ways).
    @inline(__always)
    public func find(_ line: UInt64) -> Int {
        let base = set(of: line) &* ways
        var i = base
        let end = base &+ ways
        while i < end {
            if lines[i] == line { return i }
            i &+= 1
        }
        return -1
    }

    /// The line in way `index`, or `invalid`.
    @inline(__always) public func line(at index: Int) -> UInt64 { lines[index] }
    /// Whether way `index` is dirty.
    @inline(__always) public func isDirty(_ index: Int) -> Bool { dirtyBits[index] }
    /// When way `index`'s data is (or will be) present.
    @inline(__always) public func readyTime(_ index: Int) -> Tick { ready[index] }
    /// Accesses merged into way `index`'s fill since it was allocated.
    @inline(__always) public func merges(_ index: Int) -> UInt32 { mergeCounts[index] }
    /// Counts one more access waiting for way `index`'s fill.
    @inline(__always) public func addMerge(_ index: Int) { mergeCounts[index] &+= 1 }

    /// Records a demand use of way `index` (refreshes LRU; no effect for FIFO and random).
    @inline(__always)
    public func touch(_ index: Int) {
        if policy == .lru {
            clock &+= 1
            stamps[index] = clock
        }
    }

    /// Marks way `index` dirty.
    @inline(__always)
    public func markDirty(_ index: Int) { dirtyBits[index] = true }

    /// The way that a new line of `set` would replace: the first invalid way, else the
    /// policy's choice. Random replacement draws from the store's stream on each call.
    @inline(__always)
    public func victim(inSet set: Int) -> Int {
        let base = set &* ways
        let end = base &+ ways
        var i = base
        while i < end {
            if lines[i] == Self.invalid { return i }
            i &+= 1
        }
        if policy == .random { return base &+ Int(random.next(below: UInt64(ways))) }
        var best = base
        var oldest = stamps[base]
        i = base &+ 1
        while i < end {
            let stamp = stamps[i]
            if stamp < oldest { oldest = stamp; best = i }
            i &+= 1
        }
        return best
    }

    /// Puts `line` in way `index` (overwriting what was there) as the most recent fill,
    /// with its data present from `readyAt` on.
    public func install(_ line: UInt64, at index: Int, dirty isDirty: Bool, readyAt: Tick) {
        lines[index] = line
        dirtyBits[index] = isDirty
        ready[index] = readyAt
        mergeCounts[index] = 0
        clock &+= 1
        stamps[index] = clock
    }

    /// Number of valid ways.
    public var validCount: Int { (0..<(sets * ways)).reduce(0) { $0 + (lines[$1] == Self.invalid ? 0 : 1) } }

    /// Checks that no line is valid twice in its set and each sits in its own set.
    public func checkInvariants() {
        for s in 0..<sets {
            let held = (0..<ways).map { lines[s * ways + $0] }.filter { $0 != Self.invalid }
            precondition(Set(held).count == held.count, "set \(s): a line is held in two ways: \(held)")
            for line in held { precondition(set(of: line) == s, "set \(s) holds line \(line) of set \(set(of: line))") }
        }
    }
}
