import KonaEngine

/// A cache of remote blocks in local DRAM, by frame: which block each frame holds and in
/// what state, replacement state, the lines' values, and two bitmaps, a dirty bit and an
/// access bit per 64-byte line. The FPGA's FMem is one (its DRAM, set-associative); the
/// paging model's page cache in local DRAM is another (one set of pages).
///
/// Set-associative: block `b` goes in set `b mod sets`. Replacement within a set on an
/// allocation failure is LRU, CLOCK or random, over resident frames that the caller allows
/// (a block whose lines are in a transaction cannot be evicted yet; the caller's test has no
/// side effects, and an LRU choice asks it only of a frame less recently used than the
/// choice so far). Background evictions choose among the next `scan` ways of a rotating
/// hand, by the same policy or by the fewest access bits (coldest).
///
/// Its state grows with the ways a run uses, not with those configured. A way gets a frame
/// number (0, 1, 2, ...: dense, and never changed) the first time it is allocated, and
/// every per-frame array, here and in the eviction engine and the home agents, has an entry
/// per numbered frame. A set has a record once one of its ways has been used (its first-free
/// hint, its CLOCK hand, its frames being evicted and the frame of each way used), found
/// through a `LineMap` by set. A set's used ways are always its lowest (allocation takes the
/// lowest free way), so a record holds the frame of its first way only until a second is
/// used, then moves to a record with room for every way: a sparsely used FMem (a large one,
/// or a short run) costs about 50 bytes a set used, not `16 + 4 * ways` more. A
/// frame's line values take `linesPerBlock` words once a value other than 0 is stored in it
/// (values stay 0 unless data values are checked). Allocation takes the lowest free way of
/// the set, so in a cache of one set (the page cache) frame numbers are the ways in order.
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
    /// Frames configured, `sets * ways`.
    public var frames: Int { sets * ways }
    /// Frames numbered so far (ways allocated at least once).
    public var numberedFrames: Int { blocks.count }
    /// Told of each frame numbered, so that per-frame arrays elsewhere grow with it.
    private var numberingObservers: [() -> Void] = []
    private var blocks: [UInt64] = []
    public private(set) var states: [FrameState] = []
    private var stamps: [UInt64] = []
    private var referenced: [Bool] = []
    /// Per frame, its way's place, `set * ways + way` (at most `Int32.max`; checked at init).
    private var places: [Int32] = []
    /// Per frame being filled: bytes of its block arrived so far (a block is at most 2 GiB).
    private var filled: [UInt32] = []
    /// Per frame, where its line values start in `values` (in blocks), or -1 while all are 0.
    private var valueBlock: [Int32] = []
    private var values: [UInt64] = []
    /// Per set used, its ordinal (sets numbered in the order of their first use).
    private var setOrdinal = LineMap<Int32>()
    /// Per set used (by ordinal), where its record starts in `setRecords`.
    private var recordStart: [Int32] = []
    /// Per set used: a way below which none is free, the CLOCK hand, the frames being
    /// evicted, how many ways the record has room for (1, or `ways` once a second is used),
    /// then the frame of each of those ways (-1 for a way never used). A record that grows
    /// moves to the end; its old room stays unused.
    private var setRecords: [Int32] = []
    /// Per set used (by ordinal): whether a caller awaits its next opening (`awaitOpening`).
    /// A set opens when one of its frames becomes free or resident, or stops being busy
    /// (`noteFreed`): what can let a failed allocation or eviction in the set succeed.
    private var awaited: [Bool] = []
    /// The ordinals of the awaited sets that have opened since `takeOpenedSets`, each once:
    /// the first `openedCount` entries (the buffer is reused, never shrunk).
    private var openedSets: [Int] = []
    private var openedCount = 0
    private var globalHand = 0
    /// Candidate frames of the current victim choice (a buffer reused across choices).
    private var usable: [Int] = []
    private var clock: UInt64 = 0
    private var frameOf = LineMap<Int32>()
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
        precondition(sets.multipliedReportingOverflow(by: ways).partialValue <= Int(Int32.max) && linesPerBlock <= 1 << 25,
                     "a frame cache of more than 2^31 frames or blocks over 2 GiB")
        blockLineShift = UInt64(linesPerBlock.trailingZeroBitCount)
        self.sets = sets
        self.ways = ways
        self.linesPerBlock = linesPerBlock
        self.policy = policy
        self.random = random
        dirty = LineBitmap(linesPerFrame: linesPerBlock)
        accessed = LineBitmap(linesPerFrame: linesPerBlock)
    }

    /// The frame holding (or fetching, or evicting) `block`, if any.
    @inline(__always) public func frame(of block: UInt64) -> Int? { frameOf[block].map { Int($0) } }
    /// The block in `frame`.
    public func block(in frame: Int) -> UInt64 { blocks[frame] }
    /// The set `block` maps to.
    private func set(of block: UInt64) -> Int { Int(block & UInt64(sets - 1)) }

    /// The frame of `way` in the set whose record starts at `r`, or -1 if never used.
    @inline(__always) private func frame(record r: Int, way: Int) -> Int {
        way < Int(setRecords[r + 3]) ? Int(setRecords[r + 4 + way]) : -1
    }

    /// Takes the lowest free way of `block`'s set for it (state `fetching`), numbering its
    /// frame if the way was never used; nil if none is free.
    public func allocate(_ block: UInt64) -> Int? {
        let s = set(of: block)
        let o = ordinal(ofSet: s) ?? addRecord(s)
        var r = Int(recordStart[o])
        for way in Int(setRecords[r]) ..< ways {
            var f = frame(record: r, way: way)
            if f < 0 {
                if way >= Int(setRecords[r + 3]) { r = widenRecord(o) }
                f = number(place: s * ways + way)
                setRecords[r + 4 + way] = Int32(f)
            }
            guard states[f] == .free else { continue }
            blocks[f] = block
            states[f] = .fetching
            frameOf[block] = Int32(f)
            allocated += 1
            setRecords[r] = Int32(way + 1)
            touch(f)
            return f
        }
        setRecords[r] = Int32(ways)
        return nil
    }

    /// Set `s`'s ordinal, if one of its ways has been used.
    @inline(__always) private func ordinal(ofSet s: Int) -> Int? { setOrdinal[UInt64(s)].map { Int($0) } }
    /// Where set `s`'s record starts, if one of its ways has been used.
    @inline(__always) private func record(ofSet s: Int) -> Int? { ordinal(ofSet: s).map { Int(recordStart[$0]) } }

    /// Set `s`'s record, with room for its first way (never used); returns its ordinal.
    private func addRecord(_ s: Int) -> Int {
        let o = recordStart.count
        recordStart.append(Int32(setRecords.count))
        setRecords.append(contentsOf: [0, 0, 0, 1, -1])
        awaited.append(false)
        setOrdinal[UInt64(s)] = Int32(o)
        return o
    }

    /// Moves the record of the set with ordinal `o` to one with room for every way; returns where it starts.
    private func widenRecord(_ o: Int) -> Int {
        let old = Int(recordStart[o])
        let r = setRecords.count
        let used = Int(setRecords[old + 3])
        setRecords.reserveCapacity(r + 4 + ways)
        for i in 0 ..< 4 + used { setRecords.append(setRecords[old + i]) }
        setRecords.append(contentsOf: repeatElement(-1, count: ways - used))
        setRecords[r + 3] = Int32(ways)
        recordStart[o] = Int32(r)
        return r
    }

    /// Calls `grow` each time a frame is numbered (after `numberedFrames` has grown by one).
    public func observeNumbering(_ grow: @escaping () -> Void) { numberingObservers.append(grow) }

    /// A new frame, free, for the way at `place`: every per-frame array grows by one.
    private func number(place: Int) -> Int {
        blocks.append(.max)
        states.append(.free)
        stamps.append(0)
        referenced.append(false)
        places.append(Int32(place))
        filled.append(0)
        valueBlock.append(-1)
        dirty.appendFrame()
        accessed.appendFrame()
        for grow in numberingObservers { grow() }
        return blocks.count - 1
    }

    /// The value of line number `line` if its block has a frame (data-value tracking).
    public func value(ofLine line: UInt64) -> UInt64? {
        frame(of: line >> blockLineShift).map { value($0, line: Int(line & UInt64(linesPerBlock - 1))) }
    }

    /// Sets the value of line number `line`, if its block has a frame.
    public func setValue(_ value: UInt64, ofLine line: UInt64) {
        guard let f = frame(of: line >> blockLineShift) else { return }
        setValue(value, f, line: Int(line & UInt64(linesPerBlock - 1)))
    }

    /// The value of line `offset` of `frame`.
    public func value(_ frame: Int, line offset: Int) -> UInt64 {
        let b = valueBlock[frame]
        return b < 0 ? 0 : values[Int(b) * linesPerBlock + offset]
    }

    /// Sets the value of line `offset` of `frame` (its values take their words at the first
    /// value other than 0).
    public func setValue(_ value: UInt64, _ frame: Int, line offset: Int) {
        var b = valueBlock[frame]
        if b < 0 {
            guard value != 0 else { return }
            b = Int32(values.count / linesPerBlock)
            values.append(contentsOf: repeatElement(0, count: linesPerBlock))
            valueBlock[frame] = b
        }
        values[Int(b) * linesPerBlock + offset] = value
    }

    /// The values of `frame`'s lines become `data`'s (all 0 when nil).
    public func loadValues(_ frame: Int, from data: [UInt64]?) {
        if let data {
            for i in 0..<linesPerBlock { setValue(data[i], frame, line: i) }
        } else if valueBlock[frame] >= 0 {
            for i in 0..<linesPerBlock { setValue(0, frame, line: i) }
        }
    }

    /// A fill of `frame`'s block begins: none of its bytes has arrived.
    public func beginFill(_ frame: Int) { filled[frame] = 0 }

    /// `bytes` more of `frame`'s block arrived: the offsets of the lines they complete (a
    /// packet need not hold whole lines).
    public func fill(_ frame: Int, bytes: UInt64) -> Range<UInt64> {
        let before = UInt64(filled[frame]) >> LineGeometry.lineShift
        filled[frame] += UInt32(bytes)
        return before ..< UInt64(filled[frame]) >> LineGeometry.lineShift
    }

    /// Marks `frame` as holding its block's data (again, if its eviction was called off).
    public func markResident(_ frame: Int) {
        let o = ordinal(ofFrame: frame)
        if states[frame] == .evicting { setRecords[Int(recordStart[o]) + 2] -= 1 }
        states[frame] = .resident
        opened(o)
    }

    /// Marks `frame` as being evicted.
    public func markEvicting(_ frame: Int) {
        states[frame] = .evicting
        setRecords[Int(recordStart[ordinal(ofFrame: frame)]) + 2] += 1
    }

    /// The ordinal of `frame`'s set.
    private func ordinal(ofFrame frame: Int) -> Int { ordinal(ofSet: Int(places[frame]) / ways)! }

    /// Frees `frame`: its block is gone and its bits are cleared.
    public func free(_ frame: Int) {
        let o = ordinal(ofFrame: frame)
        let r = Int(recordStart[o])
        if states[frame] == .evicting { setRecords[r + 2] -= 1 }
        opened(o)
        setRecords[r] = min(setRecords[r], places[frame] % Int32(ways))
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

    /// Word `w` of `frame`'s dirty bits (lines `64 * w` to `64 * w + 63`).
    @inline(__always)
    public func dirtyWord(_ frame: Int, _ w: Int) -> UInt64 { dirty.word(frame, w) }

    /// Access bits set in `frame`.
    public func accessCount(_ frame: Int) -> Int {
        accessed.count(in: frame)
    }

    /// Clears every access bit (the start of a background eviction round).
    public func clearAccessBits() {
        accessed.clearAll()
    }

    /// Asks to hear (`takeOpenedSets`) when `block`'s set next opens: one of its frames
    /// becomes free or resident or stops being busy. Until then an allocation or eviction
    /// that failed in the set fails again. Returns the set's ordinal (sets are numbered
    /// densely in the order of their first use).
    /// - Precondition: the set has been used (an allocation was tried in it).
    public func awaitOpening(ofSetOf block: UInt64) -> Int {
        let o = ordinal(ofSet: set(of: block))!
        awaited[o] = true
        return o
    }

    /// Whether an awaited set has opened since the last `takeOpenedSets`.
    public var hasOpenedSets: Bool { openedCount > 0 }

    /// Hands `body` the ordinal of each awaited set that has opened since the last call, in
    /// the order they opened; each is no longer awaited.
    public func takeOpenedSets(_ body: (Int) -> Void) {
        for i in 0 ..< openedCount { body(openedSets[i]) }
        openedCount = 0
    }

    /// The set with ordinal `o` opened: listed if awaited.
    @inline(__always) private func opened(_ o: Int) {
        guard awaited[o] else { return }
        awaited[o] = false
        if openedCount < openedSets.count { openedSets[openedCount] = o } else { openedSets.append(o) }
        openedCount += 1
    }

    /// Frame `frame` stopped being busy (its last line in a transaction became stable).
    public func noteFreed(_ frame: Int) { opened(ordinal(ofFrame: frame)) }

    /// Whether a frame of `block`'s set is being evicted.
    public func isEvicting(setOf block: UInt64) -> Bool {
        guard let r = record(ofSet: set(of: block)) else { return false }
        return setRecords[r + 2] > 0
    }

    /// The victim in `block`'s set among resident frames `eligible` allows, by the policy.
    public func victim(forSetOf block: UInt64, eligible: (Int) -> Bool) -> Int? {
        let s = set(of: block)
        guard let r = record(ofSet: s) else { return nil }
        let hand = Int(setRecords[r + 1])
        usable.removeAll(keepingCapacity: true)
        var way = hand, lru = LeastRecent()
        for _ in 0 ..< ways {
            let f = frame(record: r, way: way)
            if f >= 0 && states[f] == .resident {
                if policy != .lru {
                    if eligible(f) { usable.append(f) }
                } else if lru.wouldTake(stamps[f]) && eligible(f) {
                    lru.take(f, stamps[f])
                }
            }
            way = way + 1 == ways ? 0 : way + 1
        }
        if policy == .lru { return lru.frame }
        guard let f = chooseUsable(coldest: false) else { return nil }
        if policy == .clock { setRecords[r + 1] = Int32((Int(places[f]) - s * ways + 1) % ways) }
        return f
    }

    /// A background victim among the frames of the next `scan` ways from the rotating hand:
    /// by the policy, or the coldest (fewest access bits, then least recently used).
    public func backgroundVictim(scan: Int, coldest: Bool, eligible: (Int) -> Bool) -> Int? {
        let n = min(scan, frames)
        var s = globalHand / ways, way = globalHand - s * ways
        globalHand = (globalHand + n) % frames
        // Ways in order from the hand, a set at a time: its record is looked up once, and
        // only its ways ever used hold frames.
        usable.removeAll(keepingCapacity: true)
        let byStamp = policy == .lru && !coldest
        // By stamp, the least recent candidate so far (the first of equal stamps), as `LeastRecent`.
        var best = -1, bestStamp = UInt64.max
        setRecords.withUnsafeBufferPointer { records in
            states.withUnsafeBufferPointer { states in
                stamps.withUnsafeBufferPointer { stamps in
                    var k = 0
                    while k < n {
                        let inSet = min(ways - way, n - k)
                        if let r = record(ofSet: s) {
                            let end = min(way + inSet, Int(records[r + 3])), frameAt = r &+ 4
                            var w = way
                            // A loop per kind of choice, so a way costs one test of its kind less.
                            if byStamp {
                                while w < end {
                                    let f = Int(records[frameAt &+ w])
                                    if f >= 0 && states[f] == .resident && (best < 0 || stamps[f] < bestStamp) && eligible(f) {
                                        best = f
                                        bestStamp = stamps[f]
                                    }
                                    w &+= 1
                                }
                            } else {
                                while w < end {
                                    let f = Int(records[frameAt &+ w])
                                    if f >= 0 && states[f] == .resident && eligible(f) { usable.append(f) }
                                    w &+= 1
                                }
                            }
                        }
                        k += inSet
                        way = 0
                        s = s + 1 == sets ? 0 : s + 1
                    }
                }
            }
        }
        return byStamp ? (best < 0 ? nil : best) : chooseUsable(coldest: coldest)
    }

    /// The least recently used of the candidates taken, in order (the first of equal
    /// stamps): LRU's choice without gathering the candidates. A frame is asked whether it is
    /// eligible only if its stamp would make it the choice so far.
    private struct LeastRecent {
        var frame: Int?
        var stamp = UInt64.max

        @inline(__always) func wouldTake(_ s: UInt64) -> Bool { frame == nil || s < stamp }

        @inline(__always)
        mutating func take(_ f: Int, _ s: UInt64) {
            frame = f
            stamp = s
        }
    }

    /// The victim among the candidate frames gathered in the reused `usable` buffer (resident
    /// and eligible, in the order from the hand; no allocation per choice): the coldest, or
    /// by the policy. CLOCK clears the reference bits it sweeps past. (An LRU choice by
    /// stamp gathers no candidates: its callers keep the least recent with `LeastRecent`.)
    private func chooseUsable(coldest: Bool) -> Int? {
        guard !usable.isEmpty else { return nil }
        if coldest {
            return usable.min { (accessCount($0), stamps[$0]) < (accessCount($1), stamps[$1]) }
        }
        switch policy {
        case .lru:
            preconditionFailure("an LRU choice by stamp walks its candidates with LeastRecent")
        case .random:
            return usable[Int(random.next(below: UInt64(usable.count)))]
        case .clock:
            // Sweep from the hand: a referenced frame loses its bit (a second chance), the
            // first unreferenced one is the victim.
            for f in usable {
                if referenced[f] { referenced[f] = false } else { return f }
            }
            return usable[0]
        }
    }

    /// Takes `other`'s frames, their numbering, blocks, states, replacement state, bitmaps
    /// and awaited sets (sampling hands the functional model's warm FMem to a detailed window); the
    /// observers of numbering hear of every frame. O(1) for the arrays (shared until
    /// changed), O(frames numbered) for the observers.
    /// - Precondition: this cache has numbered no frame; `other` has the same geometry.
    public func copyContents(of other: FrameCache) {
        precondition(numberedFrames == 0 && other.sets == sets && other.ways == ways && other.linesPerBlock == linesPerBlock,
                     "copying FMem contents into a frame cache already in use or of another geometry")
        (blocks, states, stamps, referenced, places, filled) = (other.blocks, other.states, other.stamps, other.referenced,
                                                                 other.places, other.filled)
        (valueBlock, values, setOrdinal, recordStart, setRecords) =
            (other.valueBlock, other.values, other.setOrdinal, other.recordStart, other.setRecords)
        (awaited, openedSets, openedCount) = (other.awaited, other.openedSets, other.openedCount)
        (globalHand, clock, frameOf, dirty, accessed) = (other.globalHand, other.clock, other.frameOf, other.dirty, other.accessed)
        (random, allocated) = (other.random, other.allocated)
        for _ in 0..<numberedFrames { for grow in numberingObservers { grow() } }
    }
}
