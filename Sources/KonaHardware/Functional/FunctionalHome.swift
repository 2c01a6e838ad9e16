import KonaEngine
import KonaProtocol

/// A home agent in the functional model: the same `DirectoryController` and table as the
/// detailed home, and for a remote home the same `FrameCache` (FMem: frames, replacement
/// state, dirty and access bitmaps), with no time.
///
/// A CPU home counts its memory reads and writes. A remote home (the Kona FPGA) does what
/// `FPGAHomeAgent` does for a request, atomically: a request for a resident block is an FMem
/// hit; one for an absent block allocates a frame in its set, evicting first, on demand, the
/// set's victim by the frame cache's policy (its lines the sockets hold are recalled through
/// the directory's `Recall` rows, its dirty lines, or all with `wholeBlock`, counted as
/// network writes packed as the eviction engine packs them, the frame freed), then counts
/// the block's fetch and serves the request from the fetched data (no FMem read).
/// Background evictions run as the eviction engine runs them (a round starts above the high
/// watermark and evicts, here at once, until the low one), after each allocation.
/// - Complexity: a hit is a frame lookup and a directory transition; an eviction is
///   O(lines per block) bit tests, a directory lookup per line requested since the frame's
///   allocation, and its recall's messages.
final class FunctionalHome: LineValueStore {
    /// The block geometry, eviction packing and network framing of a remote home (plain
    /// values: a copy costs no reference counting).
    struct Remote {
        var blockSize: UInt64
        var dirtyOnGrant: Bool
        var wholeBlock: Bool
        var criticalFirst: Bool
        var batchBytes: UInt64
        var sgEntries: Int
        var sgEntryBytes: UInt64
        var headerBytes: UInt64
        var mtu: UInt64
        /// Background eviction: occupancy that starts a round and ends it, victims among the
        /// next `scan` frames of the rotating hand (the fewest access bits when `coldestVictim`).
        var highWatermark: Double
        var lowWatermark: Double
        var coldestVictim: Bool
        var scan: Int
    }

    let controller: DirectoryController
    let remote: Remote?
    /// FMem, for a remote home.
    let frames: FrameCache?
    /// Held strongly, as the memo: they hold the parts unretained.
    private let network: FunctionalNetwork
    private let linesPerBlock: Int
    private let blockLineShift: UInt64
    /// Per frame of a remote home, the lines requested since the frame was allocated: every
    /// line the sockets hold is among them, so an eviction asks the directory about these only.
    private var requested: LineBitmap
    /// Whether a request is being served from a block just fetched (no FMem read).
    private var forwarding = false
    /// Memory reads and writes the directory made (DRAM for a CPU home, FMem for the FPGA).
    private(set) var memoryReads: UInt64 = 0, memoryWrites: UInt64 = 0
    /// The counts `FPGAHomeAgent` and `EvictionEngine` report under the same names.
    private(set) var requests: UInt64 = 0, hits: UInt64 = 0, fetches: UInt64 = 0, evictions: UInt64 = 0
    private(set) var backgroundEvictions: UInt64 = 0
    private var backgroundRound = false
    private(set) var linesWrittenBack: UInt64 = 0, dirtyLinesWrittenBack: UInt64 = 0
    /// Bytes on the network (payload, descriptors and headers), as `RemoteNetwork` counts them.
    private(set) var bytesRead: UInt64 = 0, bytesWritten: UInt64 = 0, evictionBytes: UInt64 = 0
    var failure: ProtocolViolation?
    /// The system's transaction memo, if it has one (recalls are applied through it).
    let memo: TransactionMemo?

    init(index: Int, table: HomeProtocol.Table, remote: Remote?, frames: FrameCache?, network: FunctionalNetwork,
         memo: TransactionMemo?) {
        precondition((remote == nil) == (frames == nil), "a remote home has FMem, a CPU home none")
        self.remote = remote
        self.frames = frames
        self.memo = memo
        self.network = network
        linesPerBlock = Int((remote?.blockSize ?? LineGeometry.lineSize) >> LineGeometry.lineShift)
        blockLineShift = UInt64(linesPerBlock.trailingZeroBitCount)
        requested = LineBitmap(linesPerFrame: linesPerBlock)
        controller = DirectoryController(index: index, table: table, network: network)
        controller.values = self
        let me = Unmanaged.passUnretained(self)        // called per memory access: no retain of self
        controller.onMemoryAccess = { line, isWrite in me._withUnsafeGuaranteedRef { $0.memoryAccess(line, isWrite: isWrite) } }
        if let frames {
            for _ in 0..<frames.numberedFrames { requested.appendFrame() }
            frames.observeNumbering { [unowned(unsafe) self] in self.requested.appendFrame() }
        }
        if let remote, remote.dirtyOnGrant, let frames {
            controller.onOwnershipGranted = { [unowned(unsafe) self] line in
                if let f = frames.frame(of: line >> self.blockLineShift) { frames.setDirty(f, line: self.offset(line)) }
            }
        }
    }

    // MARK: Values (the functional model tracks none)

    func value(of line: UInt64) -> UInt64 { 0 }
    func store(_ value: UInt64, to line: UInt64) {}

    @inline(__always) private func offset(_ line: UInt64) -> Int { Int(line & UInt64(linesPerBlock - 1)) }

    private func memoryAccess(_ line: UInt64, isWrite: Bool) {
        if isWrite {
            memoryWrites &+= 1
            if let frames, let f = frames.frame(of: line >> blockLineShift) { frames.setDirty(f, line: offset(line)) }
        } else if !forwarding {
            memoryReads &+= 1
        }
    }

    // MARK: Messages

    func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        guard remote != nil else { return try controller.receive(message) }
        switch message.kind {
        case .RdShared, .RdOwn, .UpgradeReq:
            forwarding = try admit(message.line)
            defer { forwarding = false }
            try controller.receive(message)
        default:
            try controller.receive(message)
        }
        if let failure { throw failure }
    }

    /// FMem's part of a request for `line` at a remote home, before its directory row: a
    /// resident block is a hit; an absent one is allocated (evicting first if its set is
    /// full, then evicting in the background) and fetched. Returns whether it was fetched
    /// (the request is then served from the fetched data, with no FMem read).
    func admit(_ line: UInt64) throws(ProtocolViolation) -> Bool {
        guard let remote, let frames else { return false }
        requests += 1
        let b = line >> blockLineShift
        if let f = frames.frame(of: b) {
            hits += 1
            frames.touch(f)
            frames.setAccessed(f, line: offset(line))
            requested.insert(f, offset(line))
            return false
        }
        let f = try allocate(b, remote, frames)
        try evictInBackground(remote, frames)
        frames.markResident(f)
        frames.touch(f)
        frames.setAccessed(f, line: offset(line))
        requested.clear(f)
        requested.insert(f, offset(line))
        return true
    }

    /// The memory accesses and ownership grants of a memoized transaction's rows on `line`
    /// (reads already excluded for a request served from fetched data).
    func replayMemory(_ line: UInt64, reads: Int, writes: Int, grants: Int) {
        for _ in 0..<reads { memoryAccess(line, isWrite: false) }
        for _ in 0..<writes { memoryAccess(line, isWrite: true) }
        for _ in 0..<grants { controller.onOwnershipGranted?(line) }
    }

    /// A frame for block `b`, fetched: evicts the set's victim first if no frame is free.
    private func allocate(_ b: UInt64, _ remote: Remote, _ frames: FrameCache) throws(ProtocolViolation) -> Int {
        var allocated = frames.allocate(b)
        if allocated == nil {
            guard let victim = frames.victim(forSetOf: b, eligible: { _ in true }) else {
                throw ProtocolViolation(component: controller.name, line: b << blockLineShift, state: "-", event: "allocate",
                                        message: "no frame of the block's set can be evicted")
            }
            try evict(victim, remote, frames)
            allocated = frames.allocate(b)
        }
        guard let f = allocated else { preconditionFailure("a frame was freed but allocation failed") }
        fetches += 1
        let payload = remote.blockSize
        let packets = remote.criticalFirst && payload > LineGeometry.lineSize
            ? 1 + (payload - LineGeometry.lineSize + remote.mtu - 1) / remote.mtu
            : max(1, (payload + remote.mtu - 1) / remote.mtu)
        bytesRead += packets * remote.headerBytes + payload
        return f
    }

    /// `EvictionEngine.evictInBackground` with every eviction finished at once.
    private func evictInBackground(_ remote: Remote, _ frames: FrameCache) throws(ProtocolViolation) {
        let total = Double(frames.frames)
        if !backgroundRound {
            guard Double(frames.allocated) / total > remote.highWatermark else { return }
            backgroundRound = true
            if remote.coldestVictim { frames.clearAccessBits() }
        }
        while Double(frames.allocated) / total > remote.lowWatermark {
            // Every resident frame is eligible (the frame cache considers resident frames only).
            guard let victim = frames.backgroundVictim(scan: remote.scan, coldest: remote.coldestVictim,
                                                       eligible: { _ in true }) else { return }
            backgroundEvictions += 1
            try evict(victim, remote, frames)
        }
        backgroundRound = false
    }

    /// Evicts frame `f`: recalls its lines the sockets hold, writes back its dirty lines (or
    /// all), frees it.
    private func evict(_ f: Int, _ remote: Remote, _ frames: FrameCache) throws(ProtocolViolation) {
        frames.markEvicting(f)
        let first = frames.block(in: f) << blockLineShift
        // The lines requested since the allocation, ascending, a word of bits at a time.
        for w in 0..<requested.wordsPerFrame {
            var bits = requested.word(f, w)
            while bits != 0 {
                let line = first + UInt64(w << 6 + bits.trailingZeroBitCount)
                bits &= bits - 1
                guard let record = controller.lines[line], record.state != .I else { continue }
                if try memo?.recall(line, record: record, home: controller.index) != true { try controller.recall(line) }
            }
        }
        try network.drain()
        if let failure { throw failure }
        let maxLines = max(1, Int(remote.batchBytes / LineGeometry.lineSize))
        var lines = 0, entries = 0, previous = -2, dirtyLines = 0
        func send() {
            guard lines > 0 else { return }
            let payload = UInt64(lines) * LineGeometry.lineSize + UInt64(entries) * remote.sgEntryBytes
            let bytes = payload + remote.headerBytes * max(1, (payload + remote.mtu - 1) / remote.mtu)
            bytesWritten += bytes
            evictionBytes += bytes
            lines = 0
            entries = 0
        }
        // The lines written back (the dirty ones, or all), ascending, a word of bits at a time.
        for w in 0..<requested.wordsPerFrame {
            let dirty = frames.dirtyWord(f, w)
            dirtyLines += dirty.nonzeroBitCount
            let inWord = min(64, linesPerBlock - w << 6)
            var bits = remote.wholeBlock ? (inWord == 64 ? UInt64.max : (1 << UInt64(inWord)) - 1) : dirty
            while bits != 0 {
                let i = w << 6 + bits.trailingZeroBitCount
                bits &= bits - 1
                let startsRun = i != previous + 1
                if lines == maxLines || (startsRun && entries == remote.sgEntries) { send() }
                if startsRun || lines == 0 { entries += 1 }
                lines += 1
                linesWrittenBack += 1
                previous = i
            }
        }
        send()
        dirtyLinesWrittenBack += UInt64(dirtyLines)
        evictions += 1
        frames.free(f)
    }
}
