import KonaEngine
import KonaProtocol

/// The functional model's transaction memo: a transaction that is stable end to end (a
/// core's load or store, the LLC's replacement before it when its set is full, a core's L2
/// eviction, the home's recall of a line) is applied as one step, from the line's records in
/// the socket's cores, its LLC and its home to their end records, with the messages, counts
/// and side effects the table rows would have produced, instead of message by message.
///
/// An entry is made the first time its key is met, by running the real table rows once on
/// scratch controllers (`TransactionRehearsal`), so the tables stay the one protocol. The key
/// is everything those rows read: the operation (and which core), the state of the line in
/// each core the LLC lists (a core holds a line only while its LLC lists it: the others are
/// in I), the LLC's record (state, sharers, owner) and the home's (which home, state, sharer,
/// owner). A transaction takes the message path when its rehearsal shows it is not stable
/// end to end (an entry marked so is never applied), when a replacement would wait for the
/// writeback buffer, and for recalls and evictions met while messages are in flight. FMem's
/// part of a remote home's request (the hit, or the fetch with its eviction and background
/// eviction) is not memoized: `FunctionalHome.admit` runs it, the code the message path
/// runs, where the home's request would arrive (its recalls are memoized steps).
///
/// Applying an entry keeps the message path's order of every effect on shared state: the
/// LLC's request count and way (tag stamps), then FMem, then the lines' records, then the
/// private caches' tags (the requester's L2 fill, whose victim's eviction is a step too).
/// - Complexity: a line-map lookup for the LLC's record, the home's and each listed core's,
///   one for the memo, as many record writes; a new key costs one rehearsal.
final class TransactionMemo {
    /// The memoized step of one key.
    struct Entry {
        /// Whether the transaction may be applied as one step.
        var memoizable = false
        /// Messages the transaction delivers (counted as the message path counts them).
        var messages: UInt64 = 0
        /// Whether the LLC counted a core request (and so touched or missed its tags).
        var llcRequest = false
        /// The LLC state the line took on leaving I, or I if it did not (the line takes a way).
        var llcInstall: LLCProtocol.State = .I
        /// Whether the LLC's line returned to I (its way freed; a writeback buffer entry it took
        /// is free again).
        var llcLeaves = false
        /// Whether a row fired on the LLC's line (its record becomes `llcEnd`), and whether
        /// none set its requester (the live record's is kept).
        var llcChanged = false, llcKeepsRequester = false
        var llcEnd = LLCController.Line()
        /// Whether the home received a request (a remote home runs FMem's part: `admit`).
        var homeRequest = false
        /// The same for the home's record.
        var homeChanged = false, homeKeepsRequester = false
        var homeEnd = DirectoryController.Line()
        /// Memory reads made by the home while handling the request and the others, writes,
        /// ownership grants.
        var requestReads: UInt8 = 0, otherReads: UInt8 = 0, writes: UInt8 = 0, grants: UInt8 = 0
        /// Cores whose line had transitions (bit per local core), their end states (2 bits
        /// each), cores that received a snoop (Inv or Downgrade).
        var coresChanged: UInt64 = 0, coreStates: UInt64 = 0, snooped: UInt64 = 0
    }

    /// The network and the LLC, held strongly (neither holds the memo; a use of a strong
    /// `let` retains nothing), and the cores and homes, which hold the memo, unretained.
    private let network: FunctionalNetwork
    private let llc: FunctionalLLC
    /// The LLC's controller, whose records the memo reads and writes (its own `let`: a use
    /// retains nothing, unlike one through `llc`).
    private let llcController: LLCController
    private let complexes: UnsafeMutableBufferPointer<Unmanaged<FunctionalComplex>>
    private let homes: UnsafeMutableBufferPointer<Unmanaged<FunctionalHome>>
    private let cores: Int
    /// Which lines the FPGA (home 1) homes; nil: every line is the CPU home's (home 0).
    private let placement: RemotePlacement?
    private var index = LineMap<Int32>()
    /// The entries, in flat memory (read per transaction without retaining an array).
    private var entries: UnsafeMutableBufferPointer<Entry>
    private var entryCount = 0
    /// Whether requests are memoized (off: every transaction takes the message path).
    var enabled = true
    /// Transactions applied as one step.
    private(set) var applied: UInt64 = 0

    /// The memo of a one-socket system of `cores` cores (at most 8), its LLC, `homes` homes
    /// (the CPU's, then the FPGA's if `placement` says which lines it homes) and the network
    /// between them. The cores and homes are given with `attach` once made.
    init(cores: Int, llc: FunctionalLLC, homes: Int, network: FunctionalNetwork, placement: RemotePlacement?) {
        precondition(cores <= 8, "the transaction memo keys at most 8 cores")
        self.network = network
        self.llc = llc
        llcController = llc.controller
        self.cores = cores
        complexes = .allocate(capacity: cores)
        self.homes = .allocate(capacity: homes)
        entries = .allocate(capacity: 64)
        self.placement = placement
    }

    /// Takes the system's cores and homes (made after the memo, which they hold).
    func attach(complexes: [FunctionalComplex], homes: [FunctionalHome]) {
        precondition(complexes.count == cores && homes.count == self.homes.count, "the memo was made for other parts")
        _ = self.complexes.initialize(from: complexes.map { Unmanaged.passUnretained($0) })
        _ = self.homes.initialize(from: homes.map { Unmanaged.passUnretained($0) })
    }

    deinit {
        complexes.deallocate()
        homes.deallocate()
        entries.deallocate()
    }

    /// Applies core `core`'s load or store of `line` as one memoized step, after the LLC's
    /// replacement of its set's victim if the set is full (itself one step); false (nothing
    /// done) if either takes the message path.
    @inline(__always)
    func apply(core: Int, line: UInt64, isStore: Bool, state own: CoreComplexProtocol.State) throws(ProtocolViolation) -> Bool {
        guard enabled, let start = stable(line) else { return false }
        // The requester's own state (the caller knows it) must be the one its listing implies.
        guard UInt64(own.rawValue) == start.key >> UInt64(2 * core) & 3 else { return false }
        // The line's way, or the one it takes (a stable line is not on its way out): a full
        // set's least recently used line is replaced first.
        let (way, held) = llc.requestWay(line)
        let victim = held ? TagStore.invalid : llc.tags.line(at: way)
        var replacement = Entry(), victimStart = start
        if victim != TagStore.invalid {
            guard llc.replacesAtOnce, let vs = stable(victim) else { return false }
            replacement = entry(vs.key | Self.replaceBit, line: victim, start: vs, operation: .replace)
            guard replacement.memoizable else { return false }
            victimStart = vs
        }
        let e = entry(start.key | (isStore ? 1 << 38 : 0) | UInt64(core) << 35, line: line, start: start,
                      operation: .request(core: core, isStore: isStore))
        guard e.memoizable else { return false }
        if victim != TagStore.invalid {
            llc.countReplacement()
            try perform(replacement, line: victim, start: victimStart, way: way)
        }
        try perform(e, line: line, start: start, way: way, held: held)
        return true
    }

    /// Applies home `h`'s recall of `line` (an FMem eviction), whose record there is `record`
    /// (the home has just read it), as one memoized step; false if it takes the message path.
    /// Only with no message in flight (inside a memoized request): a recall met while the
    /// message path drains takes the message path.
    func recall(_ line: UInt64, record: DirectoryController.Line, home h: Int) throws(ProtocolViolation) -> Bool {
        guard enabled, network.isIdle, llc.isIdle, let start = stable(line, home: record, at: h)
        else { return false }
        let e = entry(start.key | Self.recallBit, line: line, start: start, operation: .recall)
        guard e.memoizable else { return false }
        try perform(e, line: line, start: start)
        return true
    }

    /// Applies core `core`'s eviction of `line` from its L2 as one memoized step; false if it
    /// takes the message path. Only with no message in flight, as `recall`.
    func evict(core: Int, line: UInt64) throws(ProtocolViolation) -> Bool {
        guard enabled, network.isIdle, let start = stable(line), start.key >> UInt64(2 * core) & 3 != 0 else { return false }
        let e = entry(start.key | Self.evictBit | UInt64(core) << 35, line: line, start: start, operation: .evict(core: core))
        guard e.memoizable else { return false }
        // The core's copy has left its caches (its L2 way went to another line): only its record changes.
        try perform(e, line: line, start: start, evicting: core)
        return true
    }

    private static let replaceBit: UInt64 = 1 << 39, recallBit: UInt64 = 1 << 40, evictBit: UInt64 = 1 << 41

    /// What a transaction on a line starts from: the key's part for the line's records, the
    /// LLC's and the home's records, the home's number, and the records' slots in their maps
    /// (-1: none or not known), hints for writing the end records without a second probe.
    struct Start {
        var key: UInt64
        var llc: LLCController.Line
        var home: DirectoryController.Line
        var homeIndex: Int
        var llcSlot: Int
        var homeSlot: Int
    }

    /// The line's records if every part holds it in a stable state (nil otherwise). Only the
    /// cores the LLC lists (sharers and owner) are asked: a core holds a line only while its
    /// LLC lists it (inclusion), so the others are in I.
    @inline(__always)
    private func stable(_ line: UInt64) -> Start? {
        let h = placement?.isRemote(line) == true ? 1 : 0
        let (home, slot) = homes[h]._withUnsafeGuaranteedRef { home in
            let i = home.controller.lines.index(of: line)
            return (i >= 0 ? home.controller.lines.value(at: i) : DirectoryController.Line(), i)
        }
        return stable(line, home: home, at: h, slot: slot)
    }

    /// `stable(line)` with the line's home `h` and its record there, `home` (in `slot`, or
    /// -1), known.
    @inline(__always)
    private func stable(_ line: UInt64, home: DirectoryController.Line, at h: Int, slot: Int = -1) -> Start? {
        let llcSlot = llcController.lines.index(of: line)
        let record = llcSlot >= 0 ? llcController.lines.value(at: llcSlot) : LLCController.Line()
        guard record.state.rawValue < 4, record.acks == 0 else { return nil }
        var key = UInt64(record.state.rawValue) << 16 | (record.sharers & 0xFF) << 18 | UInt64((record.owner ?? -1) + 1) << 26
        var listed = record.sharers | (record.owner.map { 1 << UInt64($0) } ?? 0)
        while listed != 0 {
            let k = listed.trailingZeroBitCount
            listed &= listed - 1
            let state = complexes[k]._withUnsafeGuaranteedRef { $0.controller.lines[line]?.state ?? .I }
            guard state.rawValue < 4 else { return nil }
            key |= UInt64(state.rawValue) << UInt64(2 * k)
        }
        guard home.state.rawValue < 3, home.responses == 0, home.sharers & ~1 == 0, (home.owner ?? 0) == 0 else { return nil }
        key |= UInt64(home.state.rawValue) << 30 | home.sharers << 32 | UInt64(home.owner == nil ? 0 : 1) << 33 | UInt64(h) << 34
        return Start(key: key, llc: record, home: home, homeIndex: h, llcSlot: llcSlot, homeSlot: slot)
    }

    /// The entry of `key`, rehearsed the first time it is met.
    @inline(__always)
    private func entry(_ key: UInt64, line: UInt64, start: Start, operation: TransactionRehearsal.Operation) -> Entry {
        if let i = index[key] { return entries[Int(i)] }
        let e = rehearse(operation, line: line, start: start)
        if entryCount == entries.count {
            let grown = UnsafeMutableBufferPointer<Entry>.allocate(capacity: 2 * entries.count)
            _ = grown.initialize(from: entries)
            entries.deallocate()
            entries = grown
        }
        index[key] = Int32(entryCount)
        entries[entryCount] = e
        entryCount += 1
        return e
    }

    /// Applies entry `e` to `line`, whose records were `start`, in the message path's order.
    /// `way`: for a request, the LLC way `requestWay` gave (`held`: the line's own); for a
    /// replacement, the victim's way; -1 otherwise. `evicting`: the core whose L2 eviction
    /// this is (its caches no longer hold the line), -1 otherwise.
    @inline(__always)
    private func perform(_ e: Entry, line: UInt64, start: Start, way: Int = -1, held: Bool = false,
                         evicting: Int = -1) throws(ProtocolViolation) {
        applied &+= 1
        network.countDelivered(e.messages)
        do {
            if e.llcRequest { if way >= 0 { llc.countRequest(way: way, held: held) } else { llc.countRequest(line) } }
            if e.llcInstall != .I {
                precondition(way >= 0, "a memoized step other than a request installed a line in the LLC")
                llc.install(line, at: way)
            }
            if e.llcLeaves { if way >= 0 { llc.leave(at: way) } else { llc.leave(line, from: start.llc.state) } }
        }
        let fetched = e.homeRequest ? try admit(line, at: start.homeIndex) : false
        homes[start.homeIndex]._withUnsafeGuaranteedRef { home in
            if e.requestReads | e.otherReads | e.writes | e.grants != 0 {
                home.replayMemory(line, reads: Int(fetched ? e.otherReads : e.requestReads &+ e.otherReads),
                                  writes: Int(e.writes), grants: Int(e.grants))
            }
            if e.homeChanged {
                var end = e.homeEnd
                if e.homeKeepsRequester { end.requester = start.home.requester }
                if end.state == .I {
                    home.controller.lines.remove(line, hint: start.homeSlot)
                } else {
                    home.controller.lines.update(line, to: end, hint: start.homeSlot)
                }
            }
        }
        if e.llcChanged {
            var end = e.llcEnd
            if e.llcKeepsRequester { end.requester = start.llc.requester }
            if end.state == .I {
                llcController.lines.remove(line, hint: start.llcSlot)
            } else {
                llcController.lines.update(line, to: end, hint: start.llcSlot)
            }
        }
        var changed = e.coresChanged
        while changed != 0 {
            let k = changed.trailingZeroBitCount
            changed &= changed - 1
            let state = CoreComplexProtocol.State(rawValue: Int(e.coreStates >> UInt64(2 * k) & 3))!
            complexes[k]._withUnsafeGuaranteedRef { complex in
                complex.controller.lines[line] = state == .I ? nil : CoreComplexController.Line(state: state, data: 0)
                if e.snooped & (1 << UInt64(k)) != 0 { complex.countSnoop() }
                if k != evicting { complex.follow(line, to: state, absent: start.key >> UInt64(2 * k) & 3 == 0) }
            }
        }
    }

    /// FMem's part of a request for `line` at home `h` (`FunctionalHome.admit`): whether the
    /// block was fetched. (The failure is kept only on this path: a memoized step without a
    /// home request keeps and destroys no optional error.)
    @inline(__always)
    private func admit(_ line: UInt64, at h: Int) throws(ProtocolViolation) -> Bool {
        var failure: ProtocolViolation?
        let fetched = homes[h]._withUnsafeGuaranteedRef { home in
            do throws(ProtocolViolation) { return try home.admit(line) } catch { failure = error; return false }
        }
        if let failure { throw failure }
        return fetched
    }

    /// An entry made by running `operation`'s rows once on scratch controllers that hold the
    /// line as the key says (so that the entry depends on the key only).
    private func rehearse(_ operation: TransactionRehearsal.Operation, line: UInt64, start: Start) -> Entry {
        let coreTable = complexes[0]._withUnsafeGuaranteedRef { $0.controller.table }
        let llcTable = llc.controller.table
        let homeTable = homes[start.homeIndex]._withUnsafeGuaranteedRef { $0.controller.table }
        let states = (0..<cores).map { k in CoreComplexProtocol.State(rawValue: Int(start.key >> UInt64(2 * k) & 3))! }
        let rehearsal = TransactionRehearsal(line: line, coreTable: coreTable, llcTable: llcTable, homeTable: homeTable,
                                             homeIndex: start.homeIndex, cores: states, llc: start.llc, home: start.home)
        return rehearsal.run(operation)
    }
}
