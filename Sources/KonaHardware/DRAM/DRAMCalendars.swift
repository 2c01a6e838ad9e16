/// Which clock cycles hold a command (or a data beat) of each of a DRAM's command streams:
/// a bitmap per stream over a common window of `window` cycles that slides forward with the
/// latest cycle marked. A cycle before the window counts as free (long past).
///
/// This is what lets `BankedDRAM` place a request's commands in a gap before commands
/// already placed (first-ready across banks) without moving them. Flat `[UInt64]`, stream
/// `s` in words `s * words ..< (s + 1) * words`, in buffers its owner frees with
/// `deallocate()` (no copy-on-write checks on the hot path). - Complexity: `any` and `count` O(span / 64);
/// `mark` O(1) unless the window slides (O(streams * slid words)). No allocation after init.
struct DRAMCalendars {
    static let window: UInt64 = 16_384
    static let words = Int(window / 64)
    private let bits: UnsafeMutableBufferPointer<UInt64>
    /// Per stream, the latest cycle ever marked.
    private let latest: UnsafeMutableBufferPointer<UInt64>
    /// The first cycle of the window (a multiple of 64).
    private(set) var base: UInt64 = 0

    init(streams: Int) {
        bits = .allocate(capacity: streams * Self.words)
        bits.initialize(repeating: 0)
        latest = .allocate(capacity: streams)
        latest.initialize(repeating: 0)
    }

    /// Frees the buffers; the calendars are not used after.
    func deallocate() {
        bits.deallocate()
        latest.deallocate()
    }

    @inline(__always) private func word(_ stream: Int, _ cycle: UInt64) -> Int {
        stream &* Self.words &+ Int(truncatingIfNeeded: (cycle &>> 6) & UInt64(Self.words &- 1))
    }

    /// Whether any cycle in `[from, to]` of `stream` is marked, a word at a time. O(1) past the
    /// stream's latest mark and within one word (a command's cycle, a burst).
    @inline(__always)
    func any(_ stream: Int, from: UInt64, to: UInt64) -> Bool {
        let lo = max(from, base)
        let hi = min(to, latest[stream], base &+ Self.window &- 1)
        guard lo <= hi else { return false }
        var c = lo
        var mask = UInt64.max &<< (lo & 63)
        while c &>> 6 != hi &>> 6 {
            if bits[word(stream, c)] & mask != 0 { return true }
            mask = .max
            c = (c | 63) &+ 1
        }
        return bits[word(stream, hi)] & mask & (UInt64.max &>> (63 &- (hi & 63))) != 0
    }

    /// The latest marked cycle in `[from, to]` of `stream`, or nil.
    @inline(__always)
    func lastMarked(_ stream: Int, from: UInt64, to: UInt64) -> UInt64? {
        guard from <= latest[stream] else { return nil }
        let lo = max(from, base)
        var c = min(to, latest[stream], base &+ Self.window &- 1)
        guard lo <= c else { return nil }
        // A span within one word (the common case: a burst, a tCCD or tRRD window): one mask.
        if lo &>> 6 == c &>> 6 {
            let mask = (UInt64.max &>> (63 &- (c & 63))) & (UInt64.max &<< (lo & 63))
            let w = bits[word(stream, c)] & mask
            return w == 0 ? nil : (c & ~63) &+ UInt64(63 &- w.leadingZeroBitCount)
        }
        while true {
            let offset = c & 63
            let start = max(lo, c &- offset)
            let span = c &- start &+ 1
            let mask = (span == 64 ? UInt64.max : ((1 &<< span) &- 1)) &<< (start & 63)
            let w = bits[word(stream, c)] & mask
            if w != 0 { return (c &- offset) &+ UInt64(63 &- w.leadingZeroBitCount) }
            if start == lo { return nil }
            c = start &- 1
        }
    }

    /// The first unmarked cycle at or after `cycle` in `stream` (the end of a run of marks).
    @inline(__always)
    func runEnd(_ stream: Int, from cycle: UInt64) -> UInt64 {
        var c = max(cycle, base)
        while c <= latest[stream] {
            let offset = c & 63
            let ones = (~bits[word(stream, c)] &>> offset).trailingZeroBitCount
            if ones < 64 &- Int(offset) { return c &+ UInt64(ones) }
            c = (c &- offset) &+ 64
        }
        return c
    }

    /// Marked cycles in `[from, to]` of `stream`, counting up to `limit` (none past the stream's latest mark).
    @inline(__always)
    func count(_ stream: Int, from: UInt64, to: UInt64, limit: Int) -> Int {
        let lo = max(from, base)
        let hi = min(to, latest[stream], base &+ Self.window &- 1)
        guard lo <= hi else { return 0 }
        if lo &>> 6 == hi &>> 6 {
            return (bits[word(stream, hi)] & (UInt64.max &>> (63 &- (hi & 63))) & (UInt64.max &<< (lo & 63))).nonzeroBitCount
        }
        var n = 0
        var c = lo
        while c <= hi {
            let offset = c & 63
            let span = min(64 &- offset, hi &- c &+ 1)
            let mask = span == 64 ? UInt64.max : ((1 &<< span) &- 1) &<< offset
            n &+= (bits[word(stream, c)] & mask).nonzeroBitCount
            if n >= limit { return n }
            c &+= span
        }
        return n
    }

    /// Marks `length` cycles from `cycle` in `stream`, sliding the window forward if they lie beyond it.
    @inline(__always)
    mutating func mark(_ stream: Int, at cycle: UInt64, length: UInt64 = 1) {
        let last = cycle &+ length &- 1
        if last >= base &+ Self.window { slide(to: last) }
        if latest[stream] < last { latest[stream] = last }
        // Within one word (a command, a burst): one mask.
        if cycle >= base && cycle &>> 6 == last &>> 6 {
            bits[word(stream, cycle)] |= (UInt64.max &>> (63 &- (last & 63))) & (UInt64.max &<< (cycle & 63))
            return
        }
        var c = max(cycle, base)
        while c <= last {
            let offset = c & 63
            let span = min(64 &- offset, last &- c &+ 1)
            let mask = span == 64 ? UInt64.max : ((1 &<< span) &- 1) &<< offset
            bits[word(stream, c)] |= mask
            c &+= span
        }
    }

    /// Marks `cycle` in streams `a` and `b` (and `c`, unless nil) in one pass: as many one-cycle
    /// `mark` calls would (a column command in the command bus, its rank and its group; a
    /// write's data end in its rank and group), the word and bit worked out once.
    @inline(__always)
    mutating func mark(_ a: Int, _ b: Int, _ c: Int? = nil, at cycle: UInt64) {
        if cycle >= base &+ Self.window { slide(to: cycle) }
        if latest[a] < cycle { latest[a] = cycle }
        if latest[b] < cycle { latest[b] = cycle }
        if let c, latest[c] < cycle { latest[c] = cycle }
        guard cycle >= base else { return }
        let w = Int(truncatingIfNeeded: (cycle &>> 6) & UInt64(Self.words &- 1))
        let bit: UInt64 = 1 &<< (cycle & 63)
        bits[a &* Self.words &+ w] |= bit
        bits[b &* Self.words &+ w] |= bit
        if let c { bits[c &* Self.words &+ w] |= bit }
    }

    /// The latest cycle ever marked in `stream` (0 if none).
    @inline(__always)
    func lastMark(_ stream: Int) -> UInt64 { latest[stream] }

    /// Slides the window as marking `count` cycles from `first`, `stride` apart, one after
    /// another would (each `mark` slides when its cycle lies past the window), so that
    /// `mark(_:from:through:pattern:)` may then mark them all at once.
    @inline(__always)
    mutating func reach(from first: UInt64, stride: UInt64, count: Int) {
        let last = first &+ UInt64(count &- 1) &* stride
        while last >= base &+ Self.window {
            let limit = base &+ Self.window
            let k = first >= limit ? 0 : (limit &- first &+ stride &- 1) / stride
            slide(to: first &+ k &* stride)
        }
    }

    /// A word's pattern of runs of `length` cycles every `stride` cycles (a power of two up
    /// to 64, at least `length`), the first at bit 0; `phase` places it for a first run at a cycle.
    static func runs(every stride: UInt64, length: UInt64) -> UInt64 {
        var pattern = length >= 64 ? UInt64.max : (1 &<< length) &- 1
        var period = stride
        while period < 64 { pattern |= pattern &<< period; period &<<= 1 }
        return pattern
    }

    /// `pattern` (from `runs`) with its first run at `cycle`'s bit.
    @inline(__always)
    static func phase(_ pattern: UInt64, _ cycle: UInt64) -> UInt64 {
        let shift = cycle & 63
        return (pattern &<< shift) | (pattern &>> ((64 &- shift) & 63))
    }

    /// Marks the cycles of `[first, last]` whose bits are set in `pattern` (a word's pattern
    /// of runs, phased: `phase`) in `stream`, as a `mark` call per run would once the window
    /// reaches `last` (`reach`). O(span / 64 + 1).
    @inline(__always)
    mutating func mark(_ stream: Int, from first: UInt64, through last: UInt64, pattern: UInt64) {
        if latest[stream] < last { latest[stream] = last }
        let lo = max(first, base)
        guard lo <= last else { return }
        let wordMask = UInt64(Self.words &- 1)
        let row = stream &* Self.words
        var w = lo &>> 6
        let end = last &>> 6
        var mask = pattern & (UInt64.max &<< (lo & 63))
        while w < end {
            bits[row &+ Int(truncatingIfNeeded: w & wordMask)] |= mask
            mask = pattern
            w &+= 1
        }
        bits[row &+ Int(truncatingIfNeeded: w & wordMask)] |= mask & (UInt64.max &>> (63 &- (last & 63)))
    }

    /// Moves the window so that it ends just past `cycle` (keeping the latest half), clearing what leaves it:
    /// per stream one or two spans of words (the ring wraps), none for a stream whose latest mark is before
    /// the window (every mark lies in the window, so it holds none).
    private mutating func slide(to cycle: UInt64) {
        let newBase = (cycle &- Self.window / 2) & ~63
        let leaving = Int(truncatingIfNeeded: min(newBase &- base, Self.window) &>> 6)
        let start = Int(truncatingIfNeeded: (base &>> 6) & UInt64(Self.words &- 1))
        let head = min(leaving, Self.words &- start), wrapped = leaving &- head
        let streams = bits.count / Self.words
        let words = bits.baseAddress!
        for s in 0 ..< streams where latest[s] >= base {
            let row = words + s &* Self.words
            (row + start).update(repeating: 0, count: head)
            if wrapped > 0 { row.update(repeating: 0, count: wrapped) }
        }
        base = newBase
    }
}
