import Testing
@testable import KonaHardware

@Suite struct DRAMCalendarsTests {
    /// Every cycle of the window marked in `stream` (latest first), and the stream's latest mark.
    func marks(_ calendars: DRAMCalendars, _ stream: Int) -> ([UInt64], UInt64) {
        var cycles: [UInt64] = []
        var to = calendars.base + DRAMCalendars.window - 1
        while let c = calendars.lastMarked(stream, from: calendars.base, to: to) {
            cycles.append(c)
            if c == calendars.base { break }
            to = c - 1
        }
        return (cycles, calendars.lastMark(stream))
    }

    /// A run of marks placed a word at a time (`reach`, then a pattern over the span) leaves
    /// the calendars as one `mark` per run does: the same window (slid at the same runs) and
    /// the same cycles, for strides of a cycle to a word, runs of one cycle and of a burst,
    /// any phase, spans across words and across the window's end.
    @Test func aPatternOfRunsMarksWhatOneMarkPerRunDoes() {
        let starts: [UInt64] = [0, 37, 16_300, 16_383, 40_000]
        for stride: UInt64 in [1, 4, 8, 16, 64] {
            for length in [1, stride].filter({ $0 <= stride }) {
                for first in starts {
                    for count in [1, 3, 33] {
                        var single = DRAMCalendars(streams: 2), runs = DRAMCalendars(streams: 2)
                        single.mark(1, at: 5_000); runs.mark(1, at: 5_000)     // marks already placed
                        for i in 0 ..< UInt64(count) { single.mark(0, at: first + i * stride, length: length) }
                        runs.reach(from: first + length - 1, stride: stride, count: count)
                        let pattern = DRAMCalendars.phase(DRAMCalendars.runs(every: stride, length: length), first)
                        runs.mark(0, from: first, through: first + UInt64(count - 1) * stride + length - 1, pattern: pattern)
                        #expect(runs.base == single.base, "stride \(stride), length \(length), first \(first), count \(count)")
                        #expect(marks(runs, 0) == marks(single, 0), "stride \(stride), length \(length), first \(first), count \(count)")
                        #expect(marks(runs, 1) == marks(single, 1))
                    }
                }
            }
        }
    }

    /// When the window slides, what leaves it is cleared (a later mark in the reused words
    /// finds no stale bits), also for a stream whose only mark is long past.
    @Test func slidingClearsWhatLeavesTheWindow() {
        var calendars = DRAMCalendars(streams: 3)
        calendars.mark(0, at: 100, length: 200)
        calendars.mark(2, at: 10)
        calendars.mark(1, at: 20_000)                           // slides: base 11,776
        #expect(calendars.base == 11_776)
        // Cycles 16,384-16,703 reuse the words cycles 0-319 held: nothing is left there.
        #expect(!calendars.any(0, from: 16_384, to: 16_703))
        #expect(!calendars.any(2, from: 16_384, to: 16_447))
        #expect(calendars.count(0, from: 11_776, to: 28_159, limit: 1_000) == 0)
        calendars.mark(0, at: 16_400, length: 10)
        #expect(calendars.count(0, from: 11_776, to: 28_159, limit: 1_000) == 10)
        calendars.mark(1, at: 100_000)                          // the whole window leaves
        #expect(calendars.base == 91_776)
        #expect(calendars.count(1, from: 0, to: 200_000, limit: 10) == 1)
        #expect(!calendars.any(0, from: 98_304, to: 98_703))   // the words 16,400-16,409 held
    }
}
