import KonaHardware
import KonaProtocol

/// The random tester's FPGA home agent: the FPGA table's directory (`HomeProtocol.fpgaTable`)
/// in front of an untimed FMem of blocks of `linesPerBlock` consecutive lines and a remote
/// memory, following the rules `FPGAHomeAgent` relies on:
/// - a request (RdShared, RdOwn, UpgradeReq) for a block under eviction, absent or being
///   fetched is held here, in arrival order, and reaches the directory only once the block is
///   resident again; writebacks, snoop responses and CmpAcks always go straight to the
///   directory;
/// - only a block whose lines are all in stable directory states is evicted: each of its lines
///   a socket holds (state not I) is recalled, and once every one is home (`onRecalled`) the
///   block's dirty lines are written to remote memory and its frame is dropped; a block that
///   requests wait for is then fetched again;
/// - with a non-inclusive FMem (`inclusion`), the lines the sockets hold are released instead
///   (`Release`: they stay with the sockets), the block's dirty lines go to remote memory as
///   its write-back starts, and an owner's dirty writeback met while the block has no frame
///   (written back, absent or being fetched: its values are loaded when the fetch completes)
///   goes straight to remote memory (`WbOwnerDirty_Released`);
/// - the directory reads and writes only lines whose block has a frame. A read or write of
///   another line, a recall the agent did not start, or a line not in I when its block is
///   written back is reported through `onViolation`.
///
/// FMem is not capacity-limited: the tester chooses blocks to evict (`chooseForEviction`) at
/// random moments, which is what makes recalls cross writebacks, upgrades and replacements in
/// flight on the caching side. A chosen block *drains*: its new requests are held at once (as
/// for a block under eviction; to the protocol this is only a longer request delay), and it is
/// evicted as soon as its lines' transactions have completed, so that blocks of contended
/// lines, which are rarely all stable at once, are evicted too. The tester also decides how
/// long a write-back and a fetch take: `later(block)` asks it to call `advance(block)` after a
/// delay. All state is flat arrays indexed by line or block.
final class StressFPGAHome {
    /// Where a block is.
    enum Phase { case absent, fetching, resident, draining, recalling, writing }

    /// The directory.
    let controller: DirectoryController
    let linesPerBlock: Int
    private let lines: Int
    private(set) var phases: [Phase]
    private var held: [[CoherenceMessage]]
    private var recallsLeft: [Int]
    /// Blocks draining.
    private var draining = 0
    /// FMem's copy of each line (meaningful while its block has a frame), its dirty bit, and
    /// remote memory's copy.
    private var frame: [UInt64]
    private var dirty: [Bool]
    private var remote: [UInt64]
    /// Asks the tester to call `advance(block)` later (a write-back or a fetch takes time).
    var later: (UInt64) -> Void = { _ in }
    /// Reports a broken rule: (line, what happened).
    var onViolation: (UInt64, String) -> Void = { _, _ in }
    /// Called when the eviction of a block starts, before its lines are recalled.
    var onEviction: (UInt64) -> Void = { _ in }
    /// Blocks evicted (written back).
    private(set) var evictions = 0
    /// Lines recalled from the sockets.
    private(set) var recalls = 0
    /// Lines released to the sockets (non-inclusive), and dirty writebacks sent straight to remote memory.
    private(set) var releases = 0
    private(set) var remoteWrites = 0
    let inclusion: FMemInclusion

    /// An FPGA home for lines `0..<lines`, every block absent (remote memory holds zeros).
    init(lines: Int, linesPerBlock: Int, table: HomeProtocol.Table, inclusion: FMemInclusion = .inclusive,
         network: any CoherenceNetwork) {
        self.inclusion = inclusion
        precondition(lines >= 1 && linesPerBlock >= 1, "lines \(lines), lines per block \(linesPerBlock)")
        self.lines = lines
        self.linesPerBlock = linesPerBlock
        let blocks = (lines + linesPerBlock - 1) / linesPerBlock
        phases = [Phase](repeating: .absent, count: blocks)
        held = [[CoherenceMessage]](repeating: [], count: blocks)
        recallsLeft = [Int](repeating: 0, count: blocks)
        frame = [UInt64](repeating: 0, count: lines)
        dirty = [Bool](repeating: false, count: lines)
        remote = [UInt64](repeating: 0, count: lines)
        controller = DirectoryController(index: 0, table: table, network: network)
        controller.values = Values(self)
        controller.onRecalled = { [unowned self] line in self.recalled(line) }
        if inclusion == .nonInclusive {
            controller.lineBacked = { [unowned self] line in self.hasFrame(self.block(of: line)) }
            controller.onRemoteWrite = { [unowned self] line, value in
                self.remote[Int(line)] = value
                self.remoteWrites += 1
            }
        }
    }

    /// The number of blocks.
    var blocks: Int { phases.count }

    func block(of line: UInt64) -> UInt64 { line / UInt64(linesPerBlock) }

    /// The lines of block `b`.
    func lines(of b: UInt64) -> Range<UInt64> {
        b * UInt64(linesPerBlock) ..< min((b + 1) * UInt64(linesPerBlock), UInt64(lines))
    }

    private func hasFrame(_ b: UInt64) -> Bool { [.resident, .draining, .recalling].contains(phases[Int(b)]) }

    // MARK: Messages

    /// A message from a socket arrives. Returns the phase of its block if it is held there.
    func receive(_ message: CoherenceMessage) throws(ProtocolViolation) -> Phase? {
        switch message.kind {
        case .RdShared, .RdOwn, .UpgradeReq:
            let b = Int(block(of: message.line))
            let phase = phases[b]
            switch phase {
            case .resident:
                try controller.receive(message)
                return nil
            case .absent:
                held[b].append(message)
                phases[b] = .fetching
                later(UInt64(b))
            case .fetching, .draining, .recalling, .writing:
                held[b].append(message)
            }
            return phase
        default:
            try controller.receive(message)
            return nil
        }
    }

    // MARK: Evictions

    /// Whether every line of block `b` is in a stable directory state (`FPGAHomeAgent.evictable`:
    /// no line in a transaction; requests for the block are held only by its own eviction).
    private func allStable(_ b: UInt64) -> Bool {
        lines(of: b).allSatisfy { DirectoryController.isStable(controller.state($0)) }
    }

    /// Chooses block `b` for eviction if it is resident: it drains, and is evicted now if its
    /// lines are all stable, else as soon as they are (`evictDrained`).
    func chooseForEviction(_ b: UInt64) throws(ProtocolViolation) {
        guard phases[Int(b)] == .resident else { return }
        phases[Int(b)] = .draining
        draining += 1
        try evictDrained()
    }

    /// Evicts the draining blocks whose lines are all stable. The tester calls it after every
    /// event, outside any transition. O(blocks x lines per block) while a block drains, else O(1).
    func evictDrained() throws(ProtocolViolation) {
        guard draining > 0 else { return }
        for b in phases.indices where phases[b] == .draining && allStable(UInt64(b)) {
            draining -= 1
            try evict(UInt64(b))
        }
    }

    /// Starts evicting block `b`: recalls every line a socket holds (or releases them).
    private func evict(_ b: UInt64) throws(ProtocolViolation) {
        let i = Int(b)
        onEviction(b)
        let holding = lines(of: b).filter { controller.state($0) != .I }
        if inclusion == .nonInclusive {
            releases += holding.count
            for line in holding { try controller.release(line) }
            writing(b)
            return
        }
        phases[i] = .recalling
        recallsLeft[i] = holding.count
        recalls += holding.count
        for line in holding { try controller.recall(line) }
        if holding.isEmpty { writing(b) }
    }

    private func recalled(_ line: UInt64) {
        let b = block(of: line)
        guard phases[Int(b)] == .recalling, recallsLeft[Int(b)] > 0 else {
            onViolation(line, "line \(line) was recalled, but its block \(b) is \(phases[Int(b)]), not being recalled")
            return
        }
        recallsLeft[Int(b)] -= 1
        if recallsLeft[Int(b)] == 0 { writing(b) }
    }

    /// Every line of `b` is home (or released): the write-back starts, taking the dirty lines
    /// to remote memory now; it completes in `advance`, after the directory has finished the
    /// transition that recalled the last line.
    private func writing(_ b: UInt64) {
        phases[Int(b)] = .writing
        for line in lines(of: b) where dirty[Int(line)] {
            remote[Int(line)] = frame[Int(line)]
            dirty[Int(line)] = false
        }
        later(b)
    }

    /// The write-back or fetch of block `b` completes.
    func advance(_ b: UInt64) throws(ProtocolViolation) {
        let i = Int(b)
        switch phases[i] {
        case .writing:
            // The write-back is acknowledged; the frame is dropped.
            for line in lines(of: b) where inclusion == .inclusive && controller.state(line) != .I {
                onViolation(line, "block \(b) is written back, but the directory has line \(line) in \(controller.state(line).name)")
            }
            evictions += 1
            if held[i].isEmpty {
                phases[i] = .absent
            } else {
                phases[i] = .fetching
                later(b)
            }
        case .fetching:
            for line in lines(of: b) { frame[Int(line)] = remote[Int(line)] }
            phases[i] = .resident
            let waiting = held[i]
            held[i] = []
            for message in waiting { try controller.receive(message) }
        case .absent, .resident, .draining, .recalling:
            onViolation(lines(of: b).lowerBound, "block \(b) is \(phases[i]): no write-back or fetch to complete")
        }
    }

    // MARK: Values

    /// The directory's value store, holding the home unowned: the home owns its directory and
    /// a directory keeps its store, so the home as its own store would keep itself alive (and
    /// a stress campaign every FPGA run's home).
    private final class Values: LineValueStore {
        unowned(unsafe) let home: StressFPGAHome
        init(_ home: StressFPGAHome) { self.home = home }
        func value(of line: UInt64) -> UInt64 { home.value(of: line) }
        func store(_ value: UInt64, to line: UInt64) { home.store(value, to: line) }
    }

    func value(of line: UInt64) -> UInt64 {
        guard hasFrame(block(of: line)) else {
            onViolation(line, "the directory reads line \(line), whose block is \(phases[Int(block(of: line))]), not in FMem")
            return 0
        }
        return frame[Int(line)]
    }

    func store(_ value: UInt64, to line: UInt64) {
        guard hasFrame(block(of: line)) else {
            onViolation(line, "the directory writes line \(line), whose block is \(phases[Int(block(of: line))]), not in FMem")
            return
        }
        frame[Int(line)] = value
        dirty[Int(line)] = true
    }

    /// The line's value at home: in FMem if its block has a frame, else in remote memory.
    func homeValue(_ line: UInt64) -> UInt64 { hasFrame(block(of: line)) ? frame[Int(line)] : remote[Int(line)] }

    /// What is not settled: blocks being fetched, recalled or written back, held requests.
    func unsettled() -> [String] {
        phases.indices.compactMap { b in
            phases[b] == .absent || phases[b] == .resident ? nil
                : "fpga block \(b) is \(phases[b]) with \(held[b].count) request(s) held"
        }
    }
}
