import KonaEngine

/// A cache of remote blocks in local DRAM, by frame: which block each frame holds and in
/// what state, replacement state, and two bitmaps, a dirty bit and an access bit per 64-byte
/// line. The FPGA's FMem is one (its DRAM, set-associative); the paging model's page cache in
/// local DRAM is another (one set of pages).
///
/// Set-associative: block `b` goes in set `b mod sets`. Replacement within a set on an
/// allocation failure is LRU, CLOCK or random, over resident frames that the caller allows
/// (a block whose lines are in a transaction cannot be evicted yet). Background evictions
/// choose among the next `scan` frames of a rotating hand, by the same policy or by the
/// fewest access bits (coldest).
public final class FrameCache {
    /// What a frame holds.
    public enum FrameState: UInt8 {
        case free, fetching, resident, evicting
    }

    /// Replacement policies.
    public enum Policy: String { case lru, clock, random }

    public let sets: Int
    public let ways: Int
    /// Lines per block.
    public let linesPerBlock: Int
    public let policy: Policy
    /// Frames, `set * ways + way`.
    public var frames: Int { sets * ways }
    private var blocks: [UInt64]
    public private(set) var states: [FrameState]
    private var stamps: [UInt64]
    private var referenced: [Bool]
    private var hands: [Int]
    /// Per set, a way below which no frame is free (so a set of many ways allocates quickly).
    private var firstFree: [Int]
    private var globalHand = 0
    /// Candidate frames of the current victim choice (a buffer reused across choices).
    private var usable: [Int] = []
    private var clock: UInt64 = 0
    private var frameOf = LineMap<Int>()
    /// The lines' values (data-value tracking), `frame * linesPerBlock + line offset`.
    public var values: [UInt64]
    /// Per frame being filled: bytes of its block arrived so far.
    private var filled: [UInt64]
    private let blockLineShift: UInt64
    /// The dirty bitmap (a line's modified data reached the FPGA) and the access bitmap
    /// (a request for the line arrived).
    public private(set) var dirty: LineBitmap
    public private(set) var accessed: LineBitmap
    private var random: RandomStream
    /// Frames not free.
    public private(set) var allocated = 0
    /// Dirty bits set, and access bits set, over all frames.
    public var dirtyBits: Int { dirty.population }
    public var accessBits: Int { accessed.population }

    /// An FMem of `sets` x `ways` frames of `linesPerBlock` lines.
    public init(sets: Int, ways: Int, linesPerBlock: Int, policy: Policy, random: RandomStream) {
        precondition(sets > 0 && sets & (sets - 1) == 0 && ways > 0 && linesPerBlock > 0 && linesPerBlock & (linesPerBlock - 1) == 0)
        blockLineShift = UInt64(linesPerBlock.trailingZeroBitCount)
        self.sets = sets
        self.ways = ways
        self.linesPerBlock = linesPerBlock
        self.policy = policy
        self.random = random
        let n = sets * ways
        blocks = [UInt64](repeating: .max, count: n)
        states = [FrameState](repeating: .free, count: n)
        stamps = [UInt64](repeating: 0, count: n)
        referenced = [Bool](repeating: false, count: n)
        hands = [Int](repeating: 0, count: sets)
        firstFree = [Int](repeating: 0, count: sets)
        dirty = LineBitmap(frames: n, linesPerFrame: linesPerBlock)
        values = [UInt64](repeating: 0, count: n * linesPerBlock)
        filled = [UInt64](repeating: 0, count: n)
        accessed = LineBitmap(frames: n, linesPerFrame: linesPerBlock)
    }

    /// The frame holding (or fetching, or evicting) `block`, if any.
    @inline(__always) public func frame(of block: UInt64) -> Int? { frameOf[block] }
    /// The block in `frame`.
    public func block(in frame: Int) -> UInt64 { blocks[frame] }
    /// The set `block` maps to.
    public func set(of block: UInt64) -> Int { Int(block & UInt64(sets - 1)) }

    /// Takes the lowest free frame of `block`'s set for it (state `fetching`), or nil if none
    /// is free.
    public func allocate(_ block: UInt64) -> Int? {
        let s = set(of: block), base = s * ways
        for f in base + firstFree[s] ..< base + ways where states[f] == .free {
            blocks[f] = block
            states[f] = .fetching
            frameOf[block] = f
            allocated += 1
            firstFree[s] = f - base + 1
            touch(f)
            return f
        }
        firstFree[s] = ways
        return nil
    }

    /// The value of line number `line` if its block has a frame (data-value tracking).
    public func value(ofLine line: UInt64) -> UInt64? {
        frame(of: line >> blockLineShift).map { values[$0 * linesPerBlock + Int(line & UInt64(linesPerBlock - 1))] }
    }

    /// Sets the value of line number `line`, if its block has a frame.
    public func setValue(_ value: UInt64, ofLine line: UInt64) {
        guard let f = frame(of: line >> blockLineShift) else { return }
        values[f * linesPerBlock + Int(line & UInt64(linesPerBlock - 1))] = value
    }

    /// A fill of `frame`'s block begins: none of its bytes has arrived.
    public func beginFill(_ frame: Int) { filled[frame] = 0 }

    /// `bytes` more of `frame`'s block arrived: the offsets of the lines they complete (a
    /// packet need not hold whole lines).
    public func fill(_ frame: Int, bytes: UInt64) -> Range<UInt64> {
        let before = filled[frame] >> LineGeometry.lineShift
        filled[frame] += bytes
        return before ..< filled[frame] >> LineGeometry.lineShift
    }

    /// Marks `frame` as holding its block's data.
    public func markResident(_ frame: Int) { states[frame] = .resident }
    /// Marks `frame` as being evicted.
    public func markEvicting(_ frame: Int) { states[frame] = .evicting }

    /// Frees `frame`: its block is gone and its bits are cleared.
    public func free(_ frame: Int) {
        let s = frame / ways
        firstFree[s] = min(firstFree[s], frame - s * ways)
        frameOf[blocks[frame]] = nil
        blocks[frame] = .max
        states[frame] = .free
        stamps[frame] = 0
        referenced[frame] = false
        allocated -= 1
        dirty.clear(frame)
        accessed.clear(frame)
    }

    /// Clears `frame`'s dirty bits (its lines were just written back and it stays).
    public func clearDirty(_ frame: Int) { dirty.clear(frame) }

    /// Records a use of `frame` (LRU order, CLOCK reference bit).
    @inline(__always)
    public func touch(_ frame: Int) {
        clock &+= 1
        stamps[frame] = clock
        referenced[frame] = true
    }

    /// Sets the dirty bit of line `offset` of `frame`.
    public func setDirty(_ frame: Int, line offset: Int) {
        dirty.insert(frame, offset)
    }

    /// Sets the access bit of line `offset` of `frame`.
    public func setAccessed(_ frame: Int, line offset: Int) {
        accessed.insert(frame, offset)
    }

    /// Whether line `offset` of `frame` is dirty.
    public func isDirty(_ frame: Int, line offset: Int) -> Bool {
        dirty.contains(frame, offset)
    }

    /// Access bits set in `frame`.
    public func accessCount(_ frame: Int) -> Int {
        accessed.count(in: frame)
    }

    /// Clears every access bit (the start of a background eviction round).
    public func clearAccessBits() {
        accessed.clearAll()
    }

    /// The victim in `block`'s set among resident frames `eligible` allows, by the policy.
    public func victim(forSetOf block: UInt64, eligible: (Int) -> Bool) -> Int? {
        let s = set(of: block), base = s * ways
        let hand = hands[s]
        return choose(count: ways, frame: { base + (hand + $0) % ways }, eligible: eligible, coldest: false) { f in
            hands[s] = (f - base + 1) % ways
        }
    }

    /// A background victim among the next `scan` frames from the rotating hand: by the
    /// policy, or the coldest (fewest access bits, then least recently used).
    public func backgroundVictim(scan: Int, coldest: Bool, eligible: (Int) -> Bool) -> Int? {
        let n = min(scan, frames)
        let start = globalHand
        globalHand = (globalHand + n) % frames
        let total = frames
        return choose(count: n, frame: { (start + $0) % total }, eligible: eligible, coldest: coldest) { _ in }
    }

    /// The victim among candidate frames `frame(0) ..< frame(count)` that are resident and
    /// `eligible`, gathered in the reused `usable` buffer (no allocation per choice).
    private func choose(count: Int, frame: (Int) -> Int, eligible: (Int) -> Bool, coldest: Bool,
                        advance: (Int) -> Void) -> Int? {
        usable.removeAll(keepingCapacity: true)
        for k in 0 ..< count {
            let f = frame(k)
            if states[f] == .resident && eligible(f) { usable.append(f) }
        }
        guard !usable.isEmpty else { return nil }
        if coldest {
            return usable.min { (accessCount($0), stamps[$0]) < (accessCount($1), stamps[$1]) }
        }
        switch policy {
        case .lru:
            return usable.min { stamps[$0] < stamps[$1] }
        case .random:
            return usable[Int(random.next(below: UInt64(usable.count)))]
        case .clock:
            // Sweep from the hand: a referenced frame loses its bit (a second chance), the
            // first unreferenced one is the victim.
            for f in usable {
                if referenced[f] { referenced[f] = false } else { advance(f); return f }
            }
            advance(usable[0])
            return usable[0]
        }
    }
}
