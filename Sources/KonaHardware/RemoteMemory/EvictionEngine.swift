import KonaEngine
import KonaProtocol

/// Evicts blocks of remote memory cached in local frames: the part of the Kona FPGA's
/// eviction engine that the paging model's reclaim shares with it.
///
/// It keeps, per frame of its `FrameCache` (the FPGA's FMem, or the paging model's page cache),
/// what an eviction needs: the lines in a coherence transaction (a frame with any is not a
/// victim), the lines the sockets hold (the lines to recall), the recalls and network writes
/// still outstanding, and when the eviction began (from when the frame cache numbers the
/// frame, at its first use). It chooses victims (in the victim's set on an allocation
/// failure; in the background, between two occupancy watermarks, among the next `scan`
/// ways of a rotating hand, by the frames' policy or the fewest access bits), packs the lines to write back into network writes (runs of contiguous lines are
/// scatter-gather entries, at most `sgEntries` per write and `batchBytes` of line data),
/// each leaving once its lines have been read out of the frames' DRAM, and keeps remote
/// memory's contents (for data-value checking) and the eviction statistics. Its owner
/// (a home agent) drives it: it recalls the lines, and it frees the frame when the engine
/// says the last write is acknowledged.
public final class EvictionEngine {
    /// Which lines of a victim go back to remote memory.
    public enum Writeback: Sendable {
        /// The lines whose dirty bit is set (Kona).
        case dirtyLines
        /// Every line, dirty or not (a page-granularity variant of the FPGA).
        case wholeBlock
        /// Every line if any is dirty, else none (paging: a page is written back whole if dirty).
        case wholeBlockIfDirty
    }

    /// How the engine chooses and writes back victims.
    public struct Parameters: Sendable {
        /// Occupancy (fraction of frames allocated, less those being evicted) above which a
        /// background round starts, and at which it stops.
        public var highWatermark: Double
        public var lowWatermark: Double
        /// Background victims: the frame with the fewest access bits (then least recently
        /// used), or by the frames' policy.
        public var coldestVictim: Bool
        /// Frames a background choice examines.
        public var scan: Int
        public var writeback: Writeback
        /// Most line data, and most scatter-gather entries, in one network write.
        public var batchBytes: UInt64
        public var sgEntries: Int

        public init(highWatermark: Double, lowWatermark: Double, coldestVictim: Bool, scan: Int, writeback: Writeback,
                    batchBytes: UInt64, sgEntries: Int) {
            self.highWatermark = highWatermark
            self.lowWatermark = lowWatermark
            self.coldestVictim = coldestVictim
            self.scan = scan
            self.writeback = writeback
            self.batchBytes = batchBytes
            self.sgEntries = sgEntries
        }
    }

    public let parameters: Parameters
    /// The frames evicted from.
    public let frames: FrameCache
    /// The frames' DRAM, which an eviction reads its lines out of.
    public let dram: MainMemory
    /// The link to the remote nodes.
    public let network: RemoteNetwork
    /// Remote memory's contents by block (blocks never written back, or written back all
    /// zeros, hold zeros and have no entry).
    public var remote = LineMap<[UInt64]>()
    private let linesPerBlock: Int
    private let blockLineShift: UInt64
    /// What an eviction keeps per frame.
    private struct FrameEviction {
        /// Lines in a coherence transaction.
        var busyLines: Int32 = 0
        var recallsLeft: Int32 = 0
        var writesLeft: Int32 = 0
        /// When the eviction began.
        var start: Tick = 0
    }
    private var perFrame: [FrameEviction] = []
    /// Per frame, the writes decided and not yet issued (`decideWriteBack`).
    private var decided: [Int: [(offsets: [Int], entries: Int)]] = [:]
    /// Per frame, a bit per line that the directory records a socket holding (state not I).
    private var cached: LineBitmap
    private var backgroundRound = false
    /// Frames being evicted.
    public private(set) var evicting = 0

    /// Blocks evicted (frames freed), and of those started by the watermark.
    public private(set) var evictions: UInt64 = 0
    public private(set) var backgroundEvictions: UInt64 = 0
    /// Lines written back, and of those the dirty ones.
    public private(set) var linesWrittenBack: UInt64 = 0
    public private(set) var dirtyLinesWrittenBack: UInt64 = 0
    /// Dirty lines written straight to remote memory, their block out of FMem (`writeLine`).
    public private(set) var remoteLineWrites: UInt64 = 0
    /// Bytes the network sent for evictions.
    public private(set) var evictionBytes: UInt64 = 0
    /// Time from an eviction's start to its frame being free.
    public let latency: Distribution

    /// An engine over `frames`, whose statistics are `<path>.evictions` and the like.
    public init(path: String, frames: FrameCache, dram: MainMemory, network: RemoteNetwork, parameters: Parameters,
                stats: StatsRegistry) {
        self.parameters = parameters
        self.frames = frames
        self.dram = dram
        self.network = network
        linesPerBlock = frames.linesPerBlock
        blockLineShift = UInt64(frames.linesPerBlock.trailingZeroBitCount)
        cached = LineBitmap(linesPerFrame: linesPerBlock)
        latency = stats.distribution(path + ".eviction_latency_ns", "time from an eviction's start (recall) to its frame being free (writes acknowledged)", unit: "ns", scale: 1000)
        func count(_ name: String, _ doc: String, _ unit: String, _ read: @escaping (EvictionEngine) -> UInt64) {
            stats.formula(path + "." + name, doc, unit: unit) { [unowned self] in .integer(read(self)) }
        }
        count("evictions", "blocks evicted (frames freed)", "blocks") { $0.evictions }
        count("background_evictions", "evictions started by the high watermark", "blocks") { $0.backgroundEvictions }
        count("lines_written_back", "lines evictions wrote to remote memory", "lines") { $0.linesWrittenBack }
        count("dirty_lines_written_back", "dirty lines evictions wrote to remote memory", "lines") { $0.dirtyLinesWrittenBack }
        for _ in 0..<frames.numberedFrames { addFrame() }
        frames.observeNumbering { [unowned self] in self.addFrame() }
        stats.formula("net.goodput", "modified bytes (64 B per dirty line) / bytes the network sent for evictions", unit: "ratio") { [unowned self] in
            .real(self.evictionBytes == 0 ? 0 : Double(self.dirtyLinesWrittenBack * LineGeometry.lineSize) / Double(self.evictionBytes))
        }
    }

    // MARK: Lines in frames

    /// The entry of the frame the frame cache has just numbered.
    private func addFrame() {
        perFrame.append(FrameEviction())
        cached.appendFrame()
    }

    /// The value of line number `line` in remote memory (0 if never written back).
    public func remoteValue(ofLine line: UInt64) -> UInt64 {
        remote[line >> blockLineShift]?[Int(line & UInt64(linesPerBlock - 1))] ?? 0
    }

    /// Frame `f` is about to be filled with its block from remote memory: its values are
    /// remote memory's (data-value tracking), and none of its bytes has arrived.
    public func beginFetch(_ f: Int) {
        frames.loadValues(f, from: remote[frames.block(in: f)])
        frames.beginFill(f)
    }

    /// Line number `line` changed from `before` to `after` at its directory: keeps, for its
    /// frame (if it has one), the count of lines in a transaction and the bitmap of lines the
    /// sockets hold. True when the line became stable.
    public func directoryChanged(_ line: UInt64, from before: HomeProtocol.State, to after: HomeProtocol.State) -> Bool {
        let wasStable = DirectoryController.isStable(before), isStable = DirectoryController.isStable(after)
        let wasHeld = before != .I, isHeld = after != .I
        guard wasStable != isStable || wasHeld != isHeld, let f = frames.frame(of: line >> blockLineShift) else { return false }
        let offset = Int(line & UInt64(linesPerBlock - 1))
        if wasHeld != isHeld {
            if isHeld { cached.insert(f, offset) } else { cached.remove(f, offset) }
        }
        guard wasStable != isStable else { return false }
        perFrame[f].busyLines += isStable ? -1 : 1
        if perFrame[f].busyLines == 0 { frames.noteFreed(f) }
        return isStable
    }

    /// Whether frame `f` has a line in a coherence transaction.
    public func isBusy(_ f: Int) -> Bool { perFrame[f].busyLines != 0 }

    // MARK: Choosing victims

    /// The victim in `block`'s set for an allocation that failed, if none of the set is being
    /// evicted already and one is `eligible` (by the frames' policy).
    public func victim(forSetOf block: UInt64, eligible: (Int) -> Bool) -> Int? {
        guard !frames.isEvicting(setOf: block) else { return nil }
        return frames.victim(forSetOf: block, eligible: eligible)
    }

    /// Background eviction: while occupancy is above the high watermark (a round starts,
    /// clearing the access bits when victims are the coldest) and until it is at the low one,
    /// hands `start` the next victim among the frames `eligible` allows, as long as
    /// `canStart` (the owner's limit on operations in flight); `start` must `begin` it.
    public func evictInBackground(canStart: () -> Bool, eligible: (Int) -> Bool, start: (Int) -> Void) {
        let total = Double(frames.frames)
        func occupancy() -> Double { Double(frames.allocated - evicting) / total }
        if !backgroundRound {
            guard occupancy() > parameters.highWatermark else { return }
            backgroundRound = true
            if parameters.coldestVictim { frames.clearAccessBits() }
        }
        while occupancy() > parameters.lowWatermark && canStart() {
            guard let victim = frames.backgroundVictim(scan: parameters.scan, coldest: parameters.coldestVictim,
                                                       eligible: eligible) else { return }
            backgroundEvictions += 1
            start(victim)
        }
        if occupancy() <= parameters.lowWatermark { backgroundRound = false }
    }

    /// A victim among the next `scan` frames of the rotating hand that `eligible` allows,
    /// whatever the occupancy (a reclaim on an allocation failure in one large set).
    public func victim(eligible: (Int) -> Bool) -> Int? {
        frames.backgroundVictim(scan: parameters.scan, coldest: parameters.coldestVictim, eligible: eligible)
    }

    // MARK: An eviction

    /// Starts evicting frame `f` at `time` (its frame is marked evicting).
    public func begin(_ f: Int, at time: Tick) {
        evicting += 1
        frames.markEvicting(f)
        perFrame[f].start = time
    }

    /// Recalls, through `controller` (sending at its outbox's time), the lines of frame `f`
    /// (whose first line is `first`) that the sockets hold; `recalled` counts them home. The
    /// first error is kept in `failure`. False when no line needed recalling.
    public func recallLines(_ f: Int, firstLine first: UInt64, through controller: DirectoryController,
                            failure: inout ProtocolViolation?) -> Bool {
        let offsets = cached.offsets(in: f)
        perFrame[f].recallsLeft = Int32(offsets.count)
        for offset in offsets {
            do { try controller.recall(first + UInt64(offset)) } catch { if failure == nil { failure = error } }
        }
        return !offsets.isEmpty
    }

    /// Releases, through `controller`, the lines of frame `f` (whose first line is `first`)
    /// that the sockets hold (a non-inclusive FMem: they stay in the CPU caches, and the frame
    /// forgets them). The first error is kept in `failure`. The number released.
    public func releaseLines(_ f: Int, firstLine first: UInt64, through controller: DirectoryController,
                             failure: inout ProtocolViolation?) -> Int {
        let offsets = cached.offsets(in: f)
        for offset in offsets {
            do { try controller.release(first + UInt64(offset)) } catch { if failure == nil { failure = error } }
        }
        cached.clear(f)
        return offsets.count
    }

    /// Line `offset` of frame `f`, just allocated for a re-fetch, is still held by the sockets
    /// (it was released when the block last left a non-inclusive FMem).
    public func noteHeld(_ f: Int, line offset: Int) { cached.insert(f, offset) }

    /// Writes one line's `value` straight to remote memory on `node` at `time` (an owner's
    /// dirty writeback while the line's block is out of a non-inclusive FMem); the network
    /// acknowledges it with `tag`.
    public func writeLine(_ line: UInt64, value: UInt64, node: Int, tag: UInt64, at time: Tick) {
        let b = line >> blockLineShift
        var data = remote[b] ?? [UInt64](repeating: 0, count: linesPerBlock)
        data[Int(line & UInt64(linesPerBlock - 1))] = value
        remote[b] = data.contains { $0 != 0 } ? data : nil
        remoteLineWrites += 1
        _ = network.write(lines: 1, entries: 1, node: node, tag: tag, at: time)
    }

    /// A recalled line of frame `f` is home; true when it was the last.
    public func recalled(_ f: Int) -> Bool {
        perFrame[f].recallsLeft -= 1
        return perFrame[f].recallsLeft == 0
    }

    /// The network writes frame `f`'s write-back is packed into (per `parameters.writeback`):
    /// each the offsets in the block of the lines it carries, in order (the lines it reads
    /// out of the DRAM), and its scatter-gather entries (runs of contiguous lines), at most
    /// `batchBytes` of line data and `sgEntries` entries per write. O(lines per block).
    func packedWrites(_ f: Int) -> [(offsets: [Int], entries: Int)] {
        let words = (linesPerBlock + 63) / 64
        let all: Bool
        switch parameters.writeback {
        case .dirtyLines: all = false
        case .wholeBlock: all = true
        case .wholeBlockIfDirty: all = (0..<words).contains { frames.dirtyWord(f, $0) != 0 }
        }
        let maxLines = max(1, Int(parameters.batchBytes / LineGeometry.lineSize))
        var writes: [(offsets: [Int], entries: Int)] = []
        var offsets: [Int] = [], entries = 0
        var previous = -2
        // The lines written, ascending: all of them, or the dirty bits a word at a time.
        for w in 0..<words {
            var bits = all ? (linesPerBlock - 64 * w >= 64 ? UInt64.max : (1 << UInt64(linesPerBlock - 64 * w)) - 1)
                           : frames.dirtyWord(f, w)
            while bits != 0 {
                let i = 64 * w + bits.trailingZeroBitCount
                bits &= bits - 1
                let startsRun = i != previous + 1
                if offsets.count == maxLines || (startsRun && entries == parameters.sgEntries) {
                    writes.append((offsets, entries))
                    offsets = []
                    entries = 0
                }
                if startsRun || offsets.isEmpty { entries += 1 }   // a run split across writes is an entry in each
                offsets.append(i)
                previous = i
            }
        }
        if !offsets.isEmpty { writes.append((offsets, entries)) }
        return writes
    }

    /// Sends frame `f`'s lines (per `parameters.writeback`) to `node` at `time`, in the writes
    /// `packedWrites` gives, each leaving once its lines are read out of the DRAM (line
    /// `first + offset` each); each holds a network slot from now, or, when `postedLater` (a
    /// software path before the write is posted), from when it starts. False when nothing was
    /// written (the frame is free once its owner says so).
    public func writeBack(_ f: Int, node: Int, firstLine first: UInt64, at time: Tick, postedLater: Bool = false) -> Bool {
        let writes = decide(f)
        post(writes, of: f, node: node, firstLine: first, at: time, postedLater: postedLater)
        return perFrame[f].writesLeft > 0
    }

    /// Decides frame `f`'s write-back now (the lines and values it sends, counted as writes
    /// outstanding) and keeps the writes until `issueWriteBack` reads them out of the DRAM
    /// and posts them: a software path between the two (paging) then reaches the DRAM when
    /// the NIC does, not stamped ahead of the requests in between. False when nothing is written.
    public func decideWriteBack(_ f: Int) -> Bool {
        let writes = decide(f)
        if !writes.isEmpty { decided[f] = writes }
        return perFrame[f].writesLeft > 0
    }

    /// Reads frame `f`'s writes decided by `decideWriteBack` out of the DRAM at `time` and
    /// posts them to `node` (as `writeBack` does).
    public func issueWriteBack(_ f: Int, node: Int, firstLine first: UInt64, at time: Tick, postedLater: Bool = false) {
        guard let writes = decided.removeValue(forKey: f) else { return }
        post(writes, of: f, node: node, firstLine: first, at: time, postedLater: postedLater)
    }

    /// Frame `f`'s writes and the values they carry, counted as outstanding.
    private func decide(_ f: Int) -> [(offsets: [Int], entries: Int)] {
        let b = frames.block(in: f)
        let writes = packedWrites(f)
        var written = 0
        if !writes.isEmpty {
            // Remote memory keeps a block's values only while one is not 0 (values are 0
            // unless the run checks data): a block with none written and none kept stays absent.
            let kept = remote[b]
            var anyValue = kept != nil
            for write in writes {
                written += write.offsets.count
                perFrame[f].writesLeft += 1
                if !anyValue { anyValue = write.offsets.contains { frames.value(f, line: $0) != 0 } }
            }
            if anyValue {
                var data = kept ?? [UInt64](repeating: 0, count: linesPerBlock)
                for write in writes { for i in write.offsets { data[i] = frames.value(f, line: i) } }
                remote[b] = data.contains { $0 != 0 } ? data : nil
            }
        }
        linesWrittenBack += UInt64(written)
        dirtyLinesWrittenBack += UInt64((0..<(linesPerBlock + 63) / 64).reduce(0) { $0 + frames.dirtyWord(f, $1).nonzeroBitCount })
        return writes
    }

    /// Reads each write's lines out of the DRAM at `time` and posts it once they are read.
    private func post(_ writes: [(offsets: [Int], entries: Int)], of f: Int, node: Int, firstLine first: UInt64,
                      at time: Tick, postedLater: Bool) {
        for write in writes {
            var ready = time
            for i in write.offsets { ready = max(ready, dram.read(line: first + UInt64(i), at: time)) }
            evictionBytes += network.write(lines: write.offsets.count, entries: write.entries, node: node, tag: UInt64(f),
                                           line: first &+ UInt64(write.offsets[0]), at: ready, postedLater: postedLater)
        }
    }

    /// A network write of frame `f` was acknowledged; true when it was the last.
    public func writeCompleted(_ f: Int) -> Bool {
        perFrame[f].writesLeft -= 1
        return perFrame[f].writesLeft == 0
    }

    /// Whether frame `f` has network writes not yet acknowledged.
    public func isWriting(_ f: Int) -> Bool { perFrame[f].writesLeft > 0 }

    /// Frame `f`'s eviction is called off (its block is wanted again while still in the
    /// frame): the frame stays allocated, and writes already sent complete on their own.
    public func abandon(_ f: Int) {
        evicting -= 1
    }

    /// Frame `f`'s eviction is over at `time`: the frame is free.
    public func finish(_ f: Int, at time: Tick) {
        evictions += 1
        latency.record(time - perFrame[f].start)
        evicting -= 1
        frames.free(f)
    }
}
