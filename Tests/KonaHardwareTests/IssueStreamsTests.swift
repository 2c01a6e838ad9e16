import Testing
import KonaEngine
import KonaWorkloads
@testable import KonaHardware

/// The functional model's issue order: the least next position first, ties to the lower core,
/// with a stream left alone taken a batch at a time.
@Suite struct IssueStreamsTests {
    /// Per core, `count` accesses whose addresses name their core and index, with
    /// instruction counts drawn from 0 to `maxInstructions` (0 counts as 1).
    func accesses(cores: Int, count: Int, maxInstructions: UInt64, seed: UInt64) -> [[MemoryAccess]] {
        var random = RandomStream(seed: seed, path: "issue")
        return (0..<cores).map { c in
            (0..<count).map { i in
                MemoryAccess(address: UInt64(c) << 32 | UInt64(i), size: 1, kind: .load,
                             instructions: UInt32(random.next(below: maxInstructions + 1)))
            }
        }
    }

    /// The order by definition: each step, the core whose next access's position is least.
    func referenceOrder(_ streams: [[MemoryAccess]]) -> [UInt64] {
        var next = Array(repeating: 0, count: streams.count)
        var positions = Array(repeating: UInt64(0), count: streams.count)
        var out: [UInt64] = []
        while true {
            var best: (position: UInt64, core: Int)?
            for c in streams.indices where next[c] < streams[c].count {
                let p = positions[c] + UInt64(max(1, streams[c][next[c]].instructions))
                if best == nil || p < best!.position { best = (p, c) }
            }
            guard let (p, c) = best else { return out }
            out.append(streams[c][next[c]].address)
            positions[c] = p
            next[c] += 1
        }
    }

    func takenOrder(_ streams: [[MemoryAccess]], limit: Int, peekEvery: Int = 0) -> [UInt64] {
        var issue = IssueStreams(sources: streams.map { AccessList($0) }, maxAccesses: 0)
        var out: [UInt64] = []
        var runs = 0
        while true {
            let taken = issue.take(limit: limit) { core, taken in
                for a in taken {
                    #expect(Int(a.address >> 32) == core)
                    out.append(a.address)
                }
            }
            if taken == 0 { return out }
            runs += 1
            if peekEvery > 0 && runs % peekEvery == 0 {      // a sampled run's look ahead reads more
                let core = runs % streams.count
                let ahead = issue.upcoming(300, core: core)
                #expect(ahead.count <= 300)
            }
        }
    }

    @Test(arguments: [(1, UInt64(0)), (3, 0), (4, 2), (4, 5), (6, 40)])
    func takesGiveTheOrderOfOneTakePerAccess(cores: Int, maxInstructions: UInt64) {
        let streams = accesses(cores: cores, count: 700, maxInstructions: maxInstructions, seed: UInt64(cores) * 7 + maxInstructions)
        let reference = referenceOrder(streams)
        #expect(reference.count == cores * 700)
        #expect(takenOrder(streams, limit: .max) == reference)
        #expect(takenOrder(streams, limit: 1) == reference)
        #expect(takenOrder(streams, limit: 3, peekEvery: 5) == reference)
    }

    @Test func streamsOfUnequalLengthEndAtTheirOwnTime() {
        var streams = accesses(cores: 3, count: 600, maxInstructions: 3, seed: 11)
        streams[1].removeLast(450)
        streams[2] = []
        #expect(takenOrder(streams, limit: .max) == referenceOrder(streams))
    }

    @Test func aStreamLeftAloneIsTakenTheRestOfABatchAtATime() {
        // Both cores take turns for 20 accesses; then core 0 is alone with 990 more, part of
        // its first batch already taken: the rest of each batch is one take.
        let streams = [(0..<1000).map { MemoryAccess(address: UInt64($0), size: 1, kind: .load, instructions: 1) },
                       (0..<10).map { MemoryAccess(address: 1 << 32 | UInt64($0), size: 1, kind: .load, instructions: 1) }]
        var issue = IssueStreams(sources: streams.map { AccessList($0) }, maxAccesses: 0)
        var out: [UInt64] = []
        var takes = 0
        while issue.take(limit: .max, { _, taken in out += taken.map(\.address) }) > 0 { takes += 1 }
        #expect(out == referenceOrder(streams))
        #expect(takes <= 20 + 990 / 256 + 2)
    }

    @Test func aSingleStreamIsTakenABatchAtATime() {
        let streams = accesses(cores: 1, count: 1000, maxInstructions: 4, seed: 3)
        var issue = IssueStreams(sources: streams.map { AccessList($0) }, maxAccesses: 0)
        var sizes: [Int] = []
        while true {
            let taken = issue.take(limit: .max) { _, _ in }
            if taken == 0 { break }
            sizes.append(taken)
        }
        #expect(sizes == [256, 256, 256, 232])
    }
}
