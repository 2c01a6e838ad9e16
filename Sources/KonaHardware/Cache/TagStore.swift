#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KonaEngine

/// The tags and line states of a set-associative cache of 64-byte lines.
///
/// Flat buffers indexed `set * ways + way`, allocated once: lookup is O(ways) with no
/// bounds or uniqueness checks and no allocation. An invalid way holds
/// `TagStore.invalid`. Each way records when its data is (or will be) present, so a
/// line whose fill is still in flight is visible as pending. Victim choice prefers
/// invalid ways (lowest index first), then applies the replacement policy.
/// - Invariant: a line is valid in at most one way of its set; a way is invalid exactly
///   when its replacement stamp is 0.
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
    private var memoLine = TagStore.invalid   // the line looked up last and its index (-1: not
    private var memoIndex = 0                 // held): streams hit the same line several times
                                              // in a row, and a miss is looked up again as it is handled

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
        dirtyBits = Self.zeroed(n)
        ready = Self.zeroed(n)
        mergeCounts = Self.zeroed(n)
        stamps = Self.zeroed(n)
    }

    /// `count` zeroed elements from `calloc`: a large array comes as fresh pages the kernel
    /// zeroes when first touched, so a big cache costs neither start-up time nor memory for
    /// the sets a run never uses.
    private static func zeroed<T: BitwiseCopyable>(_ count: Int) -> UnsafeMutablePointer<T> {
        guard let memory = calloc(count, MemoryLayout<T>.stride) else { fatalError("out of memory for \(count) tags") }
        return memory.bindMemory(to: T.self, capacity: count)
    }

    deinit {
        lines.deallocate()
        free(dirtyBits); free(ready); free(mergeCounts); free(stamps)
    }

    /// The set a line maps to.
    @inline(__always)
    public func set(of line: UInt64) -> Int { Int(line & setMask) }

    /// The index (`set * ways + way`) holding `line`, or -1. O(1) when it is the line
    /// looked up last (found or not: only `install` and `invalidate` change which lines are
    /// held, and both update the memo), else O(ways).
    @inline(__always)
    public func find(_ line: UInt64) -> Int {
        if line == memoLine { return memoIndex }
        let base = set(of: line) &* ways
        var i = base
        let end = base &+ ways
        while i < end {
            if lines[i] == line {
                memoLine = line
                memoIndex = i
                return i
            }
            i &+= 1
        }
        memoLine = line
        memoIndex = -1
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
        if policy == .lru && stamps[index] != clock {   // already the most recent: nothing to do
            clock &+= 1
            stamps[index] = clock
        }
    }

    /// Marks way `index` dirty.
    @inline(__always)
    public func markDirty(_ index: Int) { dirtyBits[index] = true }

    /// The way that a new line of `set` would replace: the first invalid way, else the
    /// policy's choice. Random replacement draws from the store's stream on each call.
    ///
    /// For LRU and FIFO one scan suffices: an invalid way's stamp is 0 and every fill
    /// stamps at least 1, so the oldest stamp is the first invalid way if there is one.
    @inline(__always)
    public func victim(inSet set: Int) -> Int {
        let base = set &* ways
        let end = base &+ ways
        var i = base
        if policy == .random {
            while i < end {
                if lines[i] == Self.invalid { return i }
                i &+= 1
            }
            return base &+ Int(random.next(below: UInt64(ways)))
        }
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
        memoLine = line
        memoIndex = index
        dirtyBits[index] = isDirty
        ready[index] = readyAt
        mergeCounts[index] = 0
        clock &+= 1
        stamps[index] = clock
    }

    /// Empties way `index` (its line leaves the cache).
    public func invalidate(_ index: Int) {
        if memoLine == lines[index] { memoLine = Self.invalid }
        lines[index] = Self.invalid
        dirtyBits[index] = false
        ready[index] = 0
        mergeCounts[index] = 0
        stamps[index] = 0
    }

    /// Clears way `index`'s dirty bit.
    @inline(__always)
    public func clearDirty(_ index: Int) { dirtyBits[index] = false }

    /// The valid way of `set` with the oldest stamp among those whose line satisfies
    /// `eligible`, or nil.
    public func oldest(inSet set: Int, where eligible: (UInt64) -> Bool) -> Int? {
        var best: Int?
        for i in set * ways ..< (set + 1) * ways where lines[i] != Self.invalid && eligible(lines[i]) {
            if best == nil || stamps[i] < stamps[best!] { best = i }
        }
        return best
    }

    /// Takes `other`'s lines, dirty bits, replacement order and random stream (sampling
    /// hands the functional model's warm caches to a detailed window); data is ready at once
    /// and no merges are counted. O(sets x ways).
    /// - Precondition: `other` has the same geometry and policy.
    public func copyContents(of other: TagStore) {
        precondition(other.sets == sets && other.ways == ways && other.policy == policy,
                     "copying a \(other.sets) x \(other.ways) tag store into a \(sets) x \(ways) one")
        let n = sets * ways
        lines.update(from: other.lines, count: n)
        dirtyBits.update(from: other.dirtyBits, count: n)
        stamps.update(from: other.stamps, count: n)
        ready.update(repeating: 0, count: n)
        mergeCounts.update(repeating: 0, count: n)
        clock = other.clock
        random = other.random
        memoLine = Self.invalid
    }

    /// Checks that no line is valid twice in its set and each sits in its own set.
    public func checkInvariants() {
        for s in 0..<sets {
            let held = (0..<ways).map { lines[s * ways + $0] }.filter { $0 != Self.invalid }
            precondition(Set(held).count == held.count, "set \(s): a line is held in two ways: \(held)")
            for line in held { precondition(set(of: line) == s, "set \(s) holds line \(line) of set \(set(of: line))") }
            for w in 0..<ways {
                let i = s * ways + w
                precondition((lines[i] == Self.invalid) == (stamps[i] == 0), "set \(s) way \(w): stamp \(stamps[i]) for line \(lines[i])")
            }
        }
    }
}
