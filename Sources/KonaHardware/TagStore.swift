import KonaEngine

/// The tags and line states of a set-associative cache of 64-byte lines.
///
/// Flat arrays indexed `set * ways + way`; lookup is O(ways), no allocation after init.
/// An invalid way holds `TagStore.invalid`. Victim choice prefers invalid ways (lowest
/// index first), then applies the replacement policy.
/// - Invariant: a line is valid in at most one way of its set.
public struct TagStore {
    /// Marker for an invalid way.
    public static let invalid = UInt64.max
    /// Number of sets (a power of two).
    public let sets: Int
    /// Ways per set.
    public let ways: Int
    /// The victim-selection policy.
    public let policy: ReplacementPolicy
    private let setMask: UInt64
    /// Line number held by each way, or `invalid`.
    public private(set) var lines: [UInt64]
    /// Whether each way is dirty.
    public private(set) var dirty: [Bool]
    /// MSHR index of a way whose fill is still in flight, or -1 when its data is present.
    public private(set) var pendingMSHR: [Int16]
    private var stamps: [UInt64]
    private var clock: UInt64 = 0
    private var random: RandomStream

    /// A store of `sets` x `ways` lines.
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
        lines = [UInt64](repeating: Self.invalid, count: n)
        dirty = [Bool](repeating: false, count: n)
        pendingMSHR = [Int16](repeating: -1, count: n)
        stamps = [UInt64](repeating: 0, count: n)
    }

    /// The set a line maps to.
    @inline(__always)
    public func set(of line: UInt64) -> Int { Int(line & setMask) }

    /// The index (`set * ways + way`) holding `line`, or nil. O(ways).
    @inline(__always)
    public func find(_ line: UInt64) -> Int? {
        let base = set(of: line) * ways
        return lines.withUnsafeBufferPointer { l in
            for i in base..<(base + ways) where l[i] == line { return i }
            return nil
        }
    }

    /// Records a demand use of way `index` (refreshes LRU; no effect for FIFO and random).
    @inline(__always)
    public mutating func touch(_ index: Int) {
        if policy == .lru {
            clock &+= 1
            stamps[index] = clock
        }
    }

    /// Marks way `index` dirty.
    @inline(__always)
    public mutating func markDirty(_ index: Int) { dirty[index] = true }

    /// The way that a new line of `set` would replace: the first invalid way, else the
    /// policy's choice. Random replacement draws from the store's stream on each call.
    public mutating func victim(inSet set: Int) -> Int {
        let base = set * ways
        for i in base..<(base + ways) where lines[i] == Self.invalid { return i }
        switch policy {
        case .lru, .fifo:
            var best = base
            for i in (base + 1)..<(base + ways) where stamps[i] < stamps[best] { best = i }
            return best
        case .random:
            return base + Int(random.next(below: UInt64(ways)))
        }
    }

    /// Puts `line` in way `index` (overwriting what was there) as the most recent fill.
    public mutating func install(_ line: UInt64, at index: Int, dirty isDirty: Bool, pendingMSHR mshr: Int16) {
        lines[index] = line
        dirty[index] = isDirty
        pendingMSHR[index] = mshr
        clock &+= 1
        stamps[index] = clock
    }

    /// Marks way `index`'s data as present.
    public mutating func completeFill(_ index: Int) { pendingMSHR[index] = -1 }

    /// Number of valid ways.
    public var validCount: Int { lines.reduce(0) { $0 + ($1 == Self.invalid ? 0 : 1) } }

    /// Checks that no line is valid twice in its set; for debug builds and tests.
    public func checkInvariants() {
        for s in 0..<sets {
            let slice = lines[(s * ways)..<((s + 1) * ways)].filter { $0 != Self.invalid }
            assert(Set(slice).count == slice.count, "set \(s): a line is held in two ways: \(slice)")
            for line in slice { assert(set(of: line) == s, "set \(s) holds line \(line) of set \(set(of: line))") }
        }
    }
}
