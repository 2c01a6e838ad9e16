import KonaEngine

/// A DRAM of channels, ranks, bank groups and banks with row buffers, JEDEC timing
/// constraints, refresh and write queues drained between watermarks, timed by reservation.
///
/// Each call is answered at once, as `MainMemory`'s callers expect. A read's commands (PRE if
/// another row is open, ACT if none is, then RD) are placed at the earliest clock cycles its
/// bank allows that also keep every constraint with the commands already placed (tRRD,
/// tFAW, tCCD, tWTR, the data bus, one command a cycle on the command bus; a data burst with
/// others placed near starts on a multiple of the burst length, `gridReach`): a request to an idle bank takes a gap before requests
/// still waiting for busy banks, as a first-ready scheduler would serve it, and no placed
/// command ever moves. Requests to one bank are served in call order; a request enters its
/// bank's command queue (`bankQueue` deep) when the one `bankQueue` before it has issued,
/// and a read finding the channel's read queue (`readQueue` reads not yet in their command
/// queues) full waits for a slot. Writes wait in a
/// per-channel write queue until the model's time (the latest read's arrival) passes their
/// arrival; when `writeHigh` have arrived the queue drains to `writeLow` (a write to an open
/// row first, else the oldest; one a cycle into the command queues, reads waiting outside
/// them until the last is in), and a write is also issued when a read finds the data bus
/// idle before it. Refresh blocks each rank for tRFC every tREFI (ranks staggered) and closes
/// its rows. docs/model.md ("Banked DRAM") lists the approximations.
///
/// Internally every time is a clock-cycle number (`tCK` ps each); the API speaks ps.
/// - Complexity: O(1) per request plus the cycles its placement skips (each a few word
///   operations); O(write queue) per write issued. No allocation once the write queues have
///   grown to their largest backlog.
public final class BankedDRAM {
    /// The parameters the model was built with.
    public let parameters: DRAMParameters
    let mapping: DRAMAddressMapping
    /// What a request found in its bank.
    enum RowOutcome { case hit, miss, conflict }

    // Timings in cycles.
    let tCK: Tick
    let tCL: UInt64, tCWL: UInt64, tRCD: UInt64, tRP: UInt64, tRAS: UInt64, tRC: UInt64
    let tCCD_S: UInt64, tCCD_L: UInt64, tRRD_S: UInt64, tRRD_L: UInt64, tFAW: UInt64
    let tWTR_S: UInt64, tWTR_L: UInt64, tRTP: UInt64, tWR: UInt64, tRFC: UInt64, tREFI: UInt64
    let tBurst: UInt64
    /// The least cycles from a read's (a write's) ACT until its bank may precharge.
    let readWork: UInt64, writeWork: UInt64
    /// Idle bus cycles between a read's data and a write's (JEDEC's RL + BL/2 + 2 - WL).
    let tRTW: UInt64 = 2
    /// A data burst with another placed within this many cycles (32 bursts) of it starts on
    /// a multiple of the burst length, unless it directly follows or precedes a burst (a
    /// train keeps its phase; an exact fit leaves no hole). Requests are placed in arrival order, not in the order they become ready, so
    /// bursts booked at arbitrary cycles leave holes shorter than a burst that no later
    /// request can use, where a controller issuing in time order packs bursts back to back;
    /// on a common grid every hole is whole bursts. A burst alone on the bus (an idle
    /// channel) is not moved. docs/dram.md ("Saturation") has the figures.
    let gridReach: UInt64
    let closedPage: Bool
    static let closed = UInt64.max
    /// Whether a fill's run of lines is marked by word patterns (`tCCD_S` and the bank
    /// groups' `tCCD_S` apart powers of two up to 64 cycles, a burst no longer than
    /// `tCCD_S`); the patterns: a cycle every `tCCD_S`, a burst every `tCCD_S`, a cycle every
    /// `bankGroups * tCCD_S` (`DRAMCalendars.runs`).
    let runsByWord: Bool
    let strideRuns: UInt64, strideBursts: UInt64, groupRuns: UInt64

    // Per bank (index ((channel * ranks + rank) * bankGroups + group) * banksPerGroup + bank), in cycles.
    let openRow: UnsafeMutableBufferPointer<UInt64>
    let actAllowed: UnsafeMutableBufferPointer<UInt64>        // earliest next ACT (tRC; tRP after a precharge; tRFC)
    let preAllowed: UnsafeMutableBufferPointer<UInt64>        // earliest PRE (tRAS, tRTP, tWR)
    let casAllowed: UnsafeMutableBufferPointer<UInt64>        // earliest RD/WR (tRCD)
    let openedAt: UnsafeMutableBufferPointer<UInt64>          // when the open row was activated (energy)
    let bankBusy: UnsafeMutableBufferPointer<UInt64>          // cycles from a request's first command to its data's end
    let bankActivates: UnsafeMutableBufferPointer<UInt64>
    /// Per bank, the row a conflict's PRE closed, the first cycle a RD/WR to it could issue,
    /// and that PRE's cycle: a younger request to that row is served inside that interval
    /// when a RD/WR slot there fits before the PRE (row hits first within a bank).
    let closedRow: UnsafeMutableBufferPointer<UInt64>
    let closedRowCAS: UnsafeMutableBufferPointer<UInt64>
    let closedRowPRE: UnsafeMutableBufferPointer<UInt64>
    let bankHits: UnsafeMutableBufferPointer<UInt64>
    /// Per bank, the RD/WR cycles of its last `bankQueue` requests (a ring from `bankQueueHead`):
    /// a request enters the bank's command queue when the one `bankQueue` before it has issued.
    let bankQueueCAS: UnsafeMutableBufferPointer<UInt64>
    let bankQueueHead: UnsafeMutableBufferPointer<UInt64>
    /// The cycle the latest request placed entered its bank's command queue.
    var bankEntry: UInt64 = 0
    // Per rank (index channel * ranks + rank).
    let refreshesSeen: UnsafeMutableBufferPointer<UInt64>     // refreshes that have closed the rank's rows
    let refreshOffset: UnsafeMutableBufferPointer<UInt64>
    let refreshEnd: UnsafeMutableBufferPointer<UInt64>
    let refreshStart: UnsafeMutableBufferPointer<UInt64>      // when the rank's latest refresh closes it (its last PRE)
    let nextRefresh: UnsafeMutableBufferPointer<UInt64>       // when the rank's next refresh comes due
    let activeTime: UnsafeMutableBufferPointer<UInt64>        // summed cycles rows were open, for background energy
    // Per channel.
    let channelBusy: UnsafeMutableBufferPointer<UInt64>
    let writeQueues: UnsafeMutablePointer<DRAMWriteQueue>
    /// Per channel, `readQueue` slots: the cycle each read in the read queue leaves it for its
    /// bank's command queue. A read finding every slot's read still waiting waits for the first to leave.
    let readQueueLeave: UnsafeMutableBufferPointer<UInt64>
    /// Per channel, the cycle until which reads wait outside the command queues: a write
    /// drain turns the channel to writes until its writes have all entered them.
    let readsBlockedUntil: UnsafeMutableBufferPointer<UInt64>
    /// Command and data cycles placed: per rank ACT, RD/WR and write-data ends; per bank
    /// group the same; per channel data-bus and read-data cycles, and the command bus (one
    /// command a cycle).
    var calendars: DRAMCalendars
    let rankCount: Int, groupCount: Int
    let writeQueueSize: Int, writeHigh: Int, writeLow: Int, readQueue: Int, bankQueue: Int
    /// The first per-channel calendar stream, and the channels.
    let channelStreams: Int, channelCount: Int
    /// Per channel, the arrival cycle of the latest read and the cycle of its RD.
    let sameCycleArrival: UnsafeMutableBufferPointer<UInt64>, sameCycleCAS: UnsafeMutableBufferPointer<UInt64>
    /// log2 of banks per group and of groups per rank, to find a bank's group and rank.
    let groupShift: Int, rankShift: Int
    /// The model's time (cycles): the latest read's arrival. Writes arriving later wait.
    var horizon: UInt64 = 0

    // Statistics, plain integers read by formulas.
    public internal(set) var reads: UInt64 = 0
    public internal(set) var writes: UInt64 = 0
    public internal(set) var writesIssued: UInt64 = 0
    public internal(set) var rowHits: UInt64 = 0
    public internal(set) var rowMisses: UInt64 = 0
    public internal(set) var rowConflicts: UInt64 = 0
    public internal(set) var activates: UInt64 = 0
    public internal(set) var drains: UInt64 = 0
    /// Summed latency of reads (ps), and summed wait of writes from arrival to their data written (ps).
    public internal(set) var readTime: Tick = 0
    public internal(set) var writeWait: Tick = 0
    /// When the latest read entered the read queue (ps): its arrival, or later if it found the queue full.
    public internal(set) var lastReadEntry: Tick = 0
    /// Per-channel counts (index: channel).
    let channelHits: UnsafeMutableBufferPointer<UInt64>, channelMisses: UnsafeMutableBufferPointer<UInt64>
    let channelConflicts: UnsafeMutableBufferPointer<UInt64>, channelReads: UnsafeMutableBufferPointer<UInt64>
    let channelWrites: UnsafeMutableBufferPointer<UInt64>
    /// Read latency (ps), when statistics are registered.
    var latency: Distribution?
    // Waveforms.
    var tracer: SignalTracer?
    var rowSignals: [SignalID?] = []
    var queueSignals: [SignalID?] = []
    var readsSignal: SignalID?
    /// The current call's time (ps): waveform changes are recorded no earlier (a command
    /// placed in a gap before it shows at it), as the tracer takes no change before now.
    var traceFloor: Tick = 0

    /// A model with `parameters`, all banks precharged and idle at time 0.
    public init(_ parameters: DRAMParameters) {
        precondition(parameters.problem == nil, parameters.problem ?? "")
        self.parameters = parameters
        mapping = DRAMAddressMapping(parameters)
        let p = parameters
        func c(_ n: Int) -> UInt64 { UInt64(n) }
        tCK = p.tCK
        tCL = c(p.tCL); tCWL = c(p.tCWL); tRCD = c(p.tRCD); tRP = c(p.tRP); tRAS = c(p.tRAS); tRC = c(p.tRC)
        tCCD_S = c(p.tCCD_S); tCCD_L = c(p.tCCD_L); tRRD_S = c(p.tRRD_S); tRRD_L = c(p.tRRD_L); tFAW = c(p.tFAW)
        tWTR_S = c(p.tWTR_S); tWTR_L = c(p.tWTR_L); tRTP = c(p.tRTP); tWR = c(p.tWR); tRFC = c(p.tRFC); tREFI = c(p.tREFI)
        tBurst = c(p.burstCycles)
        gridReach = 32 &* c(p.burstCycles)
        readWork = max(c(p.tRAS), c(p.tRCD + p.tRTP))
        writeWork = max(c(p.tRAS), c(p.tRCD + p.tCWL + p.burstCycles + p.tWR))
        closedPage = p.pagePolicy == .closed
        let stride = c(p.tCCD_S), groupStride = c(p.bankGroups * p.tCCD_S)
        runsByWord = stride.nonzeroBitCount == 1 && groupStride.nonzeroBitCount == 1 && groupStride <= 64
            && c(p.burstCycles) <= stride
        strideRuns = runsByWord ? DRAMCalendars.runs(every: stride, length: 1) : .max
        strideBursts = runsByWord ? DRAMCalendars.runs(every: stride, length: c(p.burstCycles)) : .max
        groupRuns = runsByWord ? DRAMCalendars.runs(every: groupStride, length: 1) : .max
        rankCount = p.channels * p.ranks
        groupCount = rankCount * p.bankGroups
        let banks = rankCount * p.banksPerRank
        func buffer(_ n: Int, _ value: UInt64 = 0) -> UnsafeMutableBufferPointer<UInt64> {
            let b = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: n)
            b.initialize(repeating: value)
            return b
        }
        openRow = buffer(banks, Self.closed)
        actAllowed = buffer(banks); preAllowed = buffer(banks); casAllowed = buffer(banks); openedAt = buffer(banks)
        bankBusy = buffer(banks); bankActivates = buffer(banks); bankHits = buffer(banks)
        closedRow = buffer(banks, Self.closed); closedRowCAS = buffer(banks); closedRowPRE = buffer(banks)
        bankQueueCAS = buffer(banks * p.bankQueue); bankQueueHead = buffer(banks)
        readQueueLeave = buffer(p.channels * p.readQueue); readsBlockedUntil = buffer(p.channels)
        readQueue = p.readQueue; bankQueue = p.bankQueue
        refreshesSeen = buffer(rankCount)
        // Ranks refresh staggered over the interval.
        refreshOffset = buffer(rankCount)
        nextRefresh = buffer(rankCount)
        for r in 0 ..< rankCount {
            refreshOffset[r] = UInt64(r) * UInt64(p.tREFI / rankCount)
            nextRefresh[r] = refreshOffset[r] &+ UInt64(p.tREFI)
        }
        activeTime = buffer(rankCount)
        refreshEnd = buffer(rankCount)
        refreshStart = buffer(rankCount)
        channelBusy = buffer(p.channels)
        channelHits = buffer(p.channels); channelMisses = buffer(p.channels); channelConflicts = buffer(p.channels)
        channelReads = buffer(p.channels); channelWrites = buffer(p.channels)
        sameCycleArrival = buffer(p.channels, .max); sameCycleCAS = buffer(p.channels)
        writeQueueSize = p.writeQueue; writeHigh = p.writeHigh; writeLow = p.writeLow
        channelStreams = 3 * rankCount + 3 * groupCount
        channelCount = p.channels
        writeQueues = .allocate(capacity: p.channels)
        for c in 0 ..< p.channels { (writeQueues + c).initialize(to: DRAMWriteQueue()) }
        groupShift = p.banksPerGroup.trailingZeroBitCount
        rankShift = p.bankGroups.trailingZeroBitCount
        calendars = DRAMCalendars(streams: 3 * rankCount + 3 * groupCount + 3 * p.channels)
    }

    deinit {
        for b in [openRow, actAllowed, preAllowed, casAllowed, openedAt, bankBusy, bankActivates, bankHits, refreshesSeen,
                  refreshOffset, nextRefresh, activeTime, refreshEnd, refreshStart, channelBusy, channelHits, channelMisses,
                  channelConflicts, channelReads, channelWrites, sameCycleArrival, sameCycleCAS,
                  bankQueueCAS, bankQueueHead, readQueueLeave, readsBlockedUntil, closedRow, closedRowCAS,
                  closedRowPRE] { b.deallocate() }
        for c in 0 ..< parameters.channels { writeQueues[c].deallocate() }
        writeQueues.deallocate()
        calendars.deallocate()
    }

    // Calendar streams.
    @inline(__always) func actRank(_ r: Int) -> Int { r }
    @inline(__always) func casRank(_ r: Int) -> Int { rankCount &+ r }
    @inline(__always) func wendRank(_ r: Int) -> Int { 2 &* rankCount &+ r }
    @inline(__always) func actGroup(_ g: Int) -> Int { 3 &* rankCount &+ g }
    @inline(__always) func casGroup(_ g: Int) -> Int { 3 &* rankCount &+ groupCount &+ g }
    @inline(__always) func wendGroup(_ g: Int) -> Int { 3 &* rankCount &+ 2 &* groupCount &+ g }
    @inline(__always) func bus(_ c: Int) -> Int { channelStreams &+ c }
    @inline(__always) func readData(_ c: Int) -> Int { channelStreams &+ channelCount &+ c }
    @inline(__always) func commands(_ c: Int) -> Int { channelStreams &+ 2 &* channelCount &+ c }

    /// The first cycle at or after `time` (ps).
    @inline(__always) func cycle(_ time: Tick) -> UInt64 { (time &+ tCK &- 1) / tCK }
    @inline(__always) func back(_ c: UInt64, _ d: UInt64) -> UInt64 { c > d ? c &- d : 0 }

    /// The flat bank index of a location.
    @inline(__always) func bankIndex(_ l: DRAMAddressMapping.Location) -> Int {
        ((l.channel &* parameters.ranks &+ l.rank) &* parameters.bankGroups &+ l.bankGroup) &* parameters.banksPerGroup &+ l.bank
    }

    // MARK: Requests

    /// Reads `line`, requested at `time`; returns when its last beat has arrived.
    public func read(line: UInt64, at time: Tick) -> Tick {
        traceFloor = time
        let l = mapping.locate(line)
        let start = cycle(time)
        horizon = max(horizon, start)
        advance(channel: l.channel, to: start)
        // Reads arriving in the same cycle are served in call order (an eviction reads a
        // block's lines at once): each RD after the one before.
        let c = l.channel
        let after = start == sameCycleArrival[c] ? sameCycleCAS[c] : 0
        // The read queue: a read takes the slot whose read leaves first, waiting for it if
        // that one has not left by the read's arrival.
        let first = c &* readQueue
        var slot = first
        for i in first &+ 1 ..< first &+ readQueue where readQueueLeave[i] < readQueueLeave[slot] { slot = i }
        let entry = max(start, readQueueLeave[slot])
        lastReadEntry = max(time, entry &* tCK)
        let dataEnd = issue(bank: bankIndex(l), row: l.row, channel: c, at: max(entry, readsBlockedUntil[c]),
                            after: after, write: false)
        readQueueLeave[slot] = bankEntry
        sameCycleArrival[c] = start
        sameCycleCAS[c] = dataEnd &- tCL &- tBurst
        let end = dataEnd &* tCK
        reads &+= 1
        channelReads[l.channel] &+= 1
        let wait = end &- time
        readTime &+= wait
        latency?.record(wait)
        if let tracer, let id = readsSignal {
            tracer.adjust(id, at: time, by: 1)
            tracer.adjust(id, at: end, by: -1)
        }
        return end
    }

    /// Queues a write of `line` arriving at `time`. It is issued once the model's time (the
    /// latest read's arrival) has passed `time`: in a drain when its channel's arrived writes
    /// reach `writeHigh`, or when a read finds the data bus idle before it.
    public func writeback(line: UInt64, at time: Tick) {
        traceFloor = time
        let l = mapping.locate(line)
        let c = l.channel
        let arrival = cycle(time)
        writeQueues[c].insert(bank: bankIndex(l), row: l.row, time: arrival)
        writes &+= 1
        channelWrites[c] &+= 1
        // Only a write that has already arrived by the model's time changes what is issued now.
        if arrival <= horizon { advance(channel: c, to: arrival) }
        // A backlog of writes no read has caught up with (a write-only phase) is issued oldest first.
        while writeQueues[c].count > Self.backlogLimit { issueWrite(channel: c, among: 1) }
        traceQueue(c, at: time)
    }

    /// Writes the `count` consecutive lines from `first`, a block fill landing at `time`, as a
    /// burst train: they bypass the write queue and enter their banks' command queues at
    /// once, one a cycle in address order, each WR placed as any request's (every constraint
    /// checked against what is placed) but no earlier than `tCCD_S` after the line before's
    /// on its channel. Under the presets' mapping a 4 KiB block is 16 lines in one row of each
    /// of a rank's four bank groups: one ACT per bank, then a WR every `tCCD_S` with the data
    /// bus full. Reads are not held back for it (a drain holds them; a fill may be stamped
    /// ahead of the model's time, where holding reads that arrive earlier would be wrong).
    /// Lines that `issue` would place exactly at the train's stride are placed a run at a
    /// time (`trainRun`).
    /// - Complexity: one placement try per line `issue` places, at the train's front where
    ///   nothing else is placed (per-line writes took ~3.5 each, filling gaps between earlier
    ///   ones), and per run of lines O(groups + bank queue + its span / 64).
    public func fill(from first: UInt64, count: Int, at time: Tick) {
        traceFloor = time
        let arrival = cycle(time)
        var channel = -1
        var previousCAS: UInt64 = 0
        var i = 0
        while i < count {
            let line = first &+ UInt64(i)
            let l = mapping.locate(line)
            let c = l.channel
            var after: UInt64 = 0
            if c == channel {
                after = previousCAS &+ tCCD_S
                let placed = trainRun(line: line, l, upTo: count &- i, start: arrival &+ UInt64(i), arrival: arrival, cas: after)
                if placed > 0 {
                    previousCAS = after &+ UInt64(placed &- 1) &* tCCD_S
                    i &+= placed
                    continue
                }
            } else {
                channel = c
                // Writes queued before the fill that have arrived by then go first.
                if arrival <= horizon { advance(channel: c, to: arrival) }
            }
            let dataEnd = issue(bank: bankIndex(l), row: l.row, channel: c, at: arrival &+ UInt64(i), after: after, write: true)
            previousCAS = dataEnd &- tCWL &- tBurst
            writeWait &+= (dataEnd &- arrival) &* tCK
            channelWrites[c] &+= 1
            i &+= 1
        }
        writes &+= UInt64(count)
        writesIssued &+= UInt64(count)
    }

    /// Places fill lines from `line` (at `l`, entering its bank's command queue from cycle
    /// `start`, up to `limit` lines) at the train's stride, the first's WR at `cas`, each
    /// `tCCD_S` after the one before, for as long as `issue` would place each there and
    /// nothing placed at or past it could collide: a row hit in an open row, entering its
    /// command queue by then, outside any refresh, with the channel's and its rank's and
    /// group's last marks far enough before. Returns how many it placed (0: the first needs
    /// `issue`); their marks, queue entries and statistics are the same as line by line.
    ///
    /// The first line's conditions are checked exactly; the run then continues within the
    /// mapping's `trainLines` (one rank, bank and row, the bank group cycling), where each
    /// group's first line is checked against its bank and group, each bank's first
    /// `bankQueue` lines' queue entries against the run's cycles and the refresh, the rest
    /// by bounds (a run may stop early; the next line is then checked on its own).
    /// O(groups + bank queue + the run's span / 64).
    private func trainRun(line: UInt64, _ l: DRAMAddressMapping.Location, upTo limit: Int, start: UInt64,
                          arrival: UInt64, cas: UInt64) -> Int {
        let b = bankIndex(l)
        let group = b &>> groupShift
        let r = group &>> rankShift
        let c = l.channel
        let row = l.row
        let data = cas &+ tCWL
        let entry = max(start, bankQueueCAS[b &* bankQueue &+ Int(truncatingIfNeeded: bankQueueHead[b])])
        guard openRow[b] == row, !closedPage, casAllowed[b] <= cas, entry <= cas, entry < nextRefresh[r],
              entry < refreshStart[r] || entry >= refreshEnd[r],
              calendars.lastMark(commands(c)) < cas, calendars.lastMark(casRank(r)) &+ tCCD_S <= cas,
              calendars.lastMark(casGroup(group)) &+ tCCD_L <= cas, calendars.lastMark(bus(c)) < data,
              calendars.lastMark(readData(c)) &+ tRTW < data else { return 0 }
        let stride = tCCD_S
        // How far the run may go: its stretch of the mapping, one line unless bursts fit the
        // stride and the marks go by word patterns, one line per group if a group's lines
        // come closer than tCCD_L.
        let stretch = mapping.trainLines
        var n = Int(truncatingIfNeeded: min(UInt64(limit), stretch &- (line & (stretch &- 1))))
        let groups = parameters.bankGroups
        if !runsByWord { n = 1 }
        if UInt64(groups) &* stride < tCCD_L { n = min(n, groups) }
        // A line after the first enters its queue at `start` + its index or when the request
        // `bankQueue` before it in its bank issued: before the next refresh comes due and
        // outside the latest refresh. For a bank's first `bankQueue` lines that request was
        // placed before the run (checked below); for the rest it is a line of the run,
        // `groups * bankQueue` before, entering when the first did or later: clear of the
        // refresh if the first entered past it (else the run stops before them).
        let due = nextRefresh[r], closing = refreshStart[r], reopened = refreshEnd[r]
        let own = groups &* bankQueue
        if n > 1 {
            n = min(n, Int(truncatingIfNeeded: min(due &- start, UInt64(n))),
                    own &+ (cas >= due ? 0 : Int(truncatingIfNeeded: (due &- cas &+ stride &- 1) / stride)))
            if start &+ 1 < reopened && entry < reopened { n = min(n, own) }
        }
        // Each group's first line: its bank's row open, RD/WR allowed, its group's last RD/WR
        // tCCD_L before; each of a bank's first `bankQueue` lines: the request `bankQueue`
        // before it in that bank (placed before the run) issued by its WR, and the line
        // entering its queue clear of refresh.
        let groupMask = groups &- 1
        let flip = (group & groupMask) ^ (Int(truncatingIfNeeded: line) & groupMask)
        let rankGroups = group & ~groupMask
        let groupStride = UInt64(groups) &* stride
        var j = 0
        while j < min(groups, n) {
            let g = rankGroups | ((Int(truncatingIfNeeded: line &+ UInt64(j)) & groupMask) ^ flip)
            let bank = (g &<< groupShift) | l.bank
            let first = cas &+ UInt64(j) &* stride
            if j > 0 && (openRow[bank] != row || casAllowed[bank] > first
                         || calendars.lastMark(casGroup(g)) &+ tCCD_L > first) {
                n = j
                break
            }
            let ring = bank &* bankQueue, head = Int(truncatingIfNeeded: bankQueueHead[bank])
            var k = j == 0 ? groups : j
            var q = j == 0 ? 1 : 0
            var slot = head &+ q == bankQueue ? 0 : head &+ q
            var wr = first &+ (j == 0 ? groupStride : 0)
            while k < n && q < bankQueue {
                let issued = bankQueueCAS[ring &+ slot]
                let entered = max(start &+ UInt64(k), issued)
                if issued > wr || entered >= due || (entered >= closing && entered < reopened) { n = k; break }
                k &+= groups
                q &+= 1
                slot = slot &+ 1 == bankQueue ? 0 : slot &+ 1
                wr &+= groupStride
            }
            j &+= 1
        }
        // Place the run: marks, queue entries, statistics.
        let count = UInt64(n)
        let ends = data &+ tBurst
        let span = (count &- 1) &* stride
        let (each, bursts, groupEach) = n > 1 ? (strideRuns, strideBursts, groupRuns) : (UInt64.max, UInt64.max, UInt64.max)
        calendars.reach(from: ends, stride: stride, count: n)
        let casRuns = DRAMCalendars.phase(each, cas)
        calendars.mark(commands(c), from: cas, through: cas &+ span, pattern: casRuns)
        calendars.mark(casRank(r), from: cas, through: cas &+ span, pattern: casRuns)
        calendars.mark(bus(c), from: data, through: data &+ span &+ tBurst &- 1,
                       pattern: DRAMCalendars.phase(bursts, data))
        calendars.mark(wendRank(r), from: ends, through: ends &+ span, pattern: DRAMCalendars.phase(each, ends))
        let perLine = tCWL &+ tBurst
        for j in 0 ..< min(groups, n) {
            let g = rankGroups | ((Int(truncatingIfNeeded: line &+ UInt64(j)) & groupMask) ^ flip)
            let bank = (g &<< groupShift) | l.bank
            let lines = (n &- j &+ groups &- 1) / groups
            let first = cas &+ UInt64(j) &* stride
            let last = first &+ UInt64(lines &- 1) &* groupStride
            calendars.mark(casGroup(g), from: first, through: last, pattern: DRAMCalendars.phase(groupEach, first))
            calendars.mark(wendGroup(g), from: first &+ perLine, through: last &+ perLine,
                           pattern: DRAMCalendars.phase(groupEach, first &+ perLine))
            // The bank's queue holds its last `bankQueue` RD/WR cycles.
            let ring = bank &* bankQueue
            let skipped = max(0, lines &- bankQueue)
            var slot = (Int(truncatingIfNeeded: bankQueueHead[bank]) &+ skipped) % bankQueue
            var wr = first &+ UInt64(skipped) &* groupStride
            for _ in skipped ..< lines {
                bankQueueCAS[ring &+ slot] = wr
                slot = slot &+ 1 == bankQueue ? 0 : slot &+ 1
                wr &+= groupStride
            }
            bankQueueHead[bank] = UInt64(slot)
            bankBusy[bank] &+= UInt64(lines) &* perLine
            preAllowed[bank] = max(preAllowed[bank], last &+ perLine &+ tWR)
            bankHits[bank] &+= UInt64(lines)
        }
        channelBusy[c] &+= count &* tBurst
        rowHits &+= count; channelHits[c] &+= count
        channelWrites[c] &+= count
        // Each line waits from the arrival to its data's end.
        writeWait &+= (count &* (ends &- arrival) &+ stride &* (count &* (count &- 1) / 2)) &* tCK
        return n
    }

    /// Writes a channel holds before the oldest is issued whatever the model's time.
    static let backlogLimit = 8192

    /// Issues every queued write that arrived by `time` (ps), as the channels would have by
    /// then (the end of a measurement: `konasim bench dram`).
    public func drain(until time: Tick) {
        let t = cycle(time)
        traceFloor = time
        horizon = max(horizon, t)
        for c in 0 ..< parameters.channels {
            advance(channel: c, to: t)
            while writeQueues[c].arrived(by: t, limit: 1) > 0 { issueWrite(channel: c, among: 1, notBefore: t) }
        }
    }

    /// Issues channel `c`'s writes as its queue stands at cycle `now`: a drain down to
    /// `writeLow` whenever `writeHigh` have arrived; then, if the data bus was idle for a
    /// write's length and turnaround before `now`, the first-ready write that had arrived.
    @inline(__always)
    private func advance(channel c: Int, to now: UInt64) {
        guard writeQueues[c].count > 0 else { return }
        var arrived = writeQueues[c].arrived(by: now, limit: writeQueueSize)
        while arrived >= writeHigh {
            drains &+= 1
            var entered = now
            while arrived > writeLow {
                // The drain moves one write a cycle into the command queues.
                entered = max(entered &+ 1, issueWrite(channel: c, among: arrived, notBefore: entered))
                arrived &-= 1
            }
            readsBlockedUntil[c] = max(readsBlockedUntil[c], entered)
            arrived = writeQueues[c].arrived(by: now, limit: writeQueueSize)
        }
        let slack = tCWL &+ tBurst &+ tWTR_L
        guard arrived > 0, now > slack, !calendars.any(bus(c), from: now &- slack, to: now) else { return }
        let ready = writeQueues[c].arrived(by: now &- slack, limit: writeQueueSize)
        if ready > 0 { issueWrite(channel: c, among: ready, notBefore: now &- slack) }
    }

    /// Issues the first-ready of channel `c`'s `n` oldest writes (one to an open row, else
    /// the oldest), no earlier than cycle `notBefore` (when the scheduler decided to).
    @discardableResult
    private func issueWrite(channel c: Int, among n: Int, notBefore: UInt64 = 0) -> UInt64 {
        var pick = 0
        for i in 0 ..< n where openRow[writeQueues[c][i].bank] == writeQueues[c][i].row {
            pick = i
            break
        }
        let entry = writeQueues[c][pick]
        let arrival = entry.time
        let end = issue(bank: entry.bank, row: entry.row, channel: c, at: max(arrival, notBefore), write: true)
        writeWait &+= (end &- arrival) &* tCK
        writesIssued &+= 1
        writeQueues[c].remove(at: pick)
        return bankEntry
    }

    // MARK: Placing one request's commands

    /// Places the commands of one access to `row` of bank `b` no earlier than cycle `start`
    /// nor before it enters the bank's command queue (`bankEntry`), its RD/WR after cycle
    /// `after`; returns the cycle its data burst ends.
    @inline(__always)
    func issue(bank b: Int, row: UInt64, channel c: Int, at start: UInt64, after: UInt64 = 0, write: Bool) -> UInt64 {
        let group = b &>> groupShift                    // rank * bankGroups + group, flat
        let r = group &>> rankShift                     // flat rank
        let queueSlot = b &* bankQueue &+ Int(truncatingIfNeeded: bankQueueHead[b])
        bankEntry = max(start, bankQueueCAS[queueSlot])
        var t = refresh(rank: r, at: bankEntry)
        var outcome = RowOutcome.hit
        var first = UInt64.max                          // the request's first command
        var opened = UInt64.max                         // its ACT
        let open = openRow[b]
        if open != row && row == closedRow[b] && !closedPage,
           let hit = merge(bank: b, group: group, rank: r, channel: c, at: max(t, closedRowCAS[b], after), write: write) {
            return hit
        }
        if open != row {
            if open != Self.closed {
                outcome = .conflict
                var pre = max(t, preAllowed[b])
                while calendars.any(commands(c), from: pre, to: pre) { pre &+= 1 }
                calendars.mark(commands(c), at: pre)
                closedRow[b] = open
                closedRowCAS[b] = casAllowed[b]
                closedRowPRE[b] = pre
                closeRow(bank: b, rank: r, at: pre)
                first = pre
                t = pre &+ tRP
            } else {
                outcome = .miss
            }
            let act = activate(bank: b, group: group, rank: r, channel: c, at: max(t, actAllowed[b]), row: row,
                               work: write ? writeWork : readWork)
            first = min(first, act)
            opened = act
            t = act &+ tRCD
        }
        let cas = columnSlot(group: group, rank: r, channel: c, at: max(t, casAllowed[b], after), write: write)
        markColumn(group: group, rank: r, channel: c, at: cas, write: write)
        let dataEnd = cas &+ (write ? tCWL : tCL) &+ tBurst
        enterQueue(bank: b, cas: cas)
        channelBusy[c] &+= tBurst
        bankBusy[b] &+= dataEnd &- min(first, cas)
        preAllowed[b] = max(preAllowed[b], write ? dataEnd &+ tWR : cas &+ tRTP)
        switch outcome {
        case .hit: rowHits &+= 1; channelHits[c] &+= 1; bankHits[b] &+= 1
        case .miss: rowMisses &+= 1; channelMisses[c] &+= 1
        case .conflict: rowConflicts &+= 1; channelConflicts[c] &+= 1
        }
        // Closed-page, or opened before a refresh already placed ahead: precharged when done.
        if closedPage || opened < refreshStart[r] { closeRow(bank: b, rank: r, at: preAllowed[b]) }
        return dataEnd
    }

    /// Serves a request to the row bank `b` had open before its latest conflict, inside that
    /// interval: its RD/WR at the first slot from `earliest` that leaves the booked PRE its
    /// tRTP (a write its tWR after the data), as the scheduler serves a queued row hit before
    /// a conflict's precharge. Returns the data's end, or nil (nothing placed) when no slot fits.
    private func merge(bank b: Int, group: Int, rank r: Int, channel c: Int, at earliest: UInt64, write: Bool) -> UInt64? {
        let pre = closedRowPRE[b]
        let room = write ? tCWL &+ tBurst &+ tWR : tRTP
        guard pre >= room &+ earliest else { return nil }
        let cas = columnSlot(group: group, rank: r, channel: c, at: earliest, write: write)
        guard cas &+ room <= pre else { return nil }
        markColumn(group: group, rank: r, channel: c, at: cas, write: write)
        let dataEnd = cas &+ (write ? tCWL : tCL) &+ tBurst
        enterQueue(bank: b, cas: cas)
        channelBusy[c] &+= tBurst
        bankBusy[b] &+= dataEnd &- cas
        rowHits &+= 1; channelHits[c] &+= 1; bankHits[b] &+= 1
        return dataEnd
    }

    /// Records that a request of bank `b` issues its RD/WR at `cas`, for the bank's command queue.
    @inline(__always)
    private func enterQueue(bank b: Int, cas: UInt64) {
        let queueSlot = b &* bankQueue &+ Int(truncatingIfNeeded: bankQueueHead[b])
        bankQueueCAS[queueSlot] = cas
        bankQueueHead[b] = bankQueueHead[b] &+ 1 == UInt64(bankQueue) ? 0 : bankQueueHead[b] &+ 1
    }

    /// The first cycle at or after `earliest` for an ACT in rank `r`, bank group `group`:
    /// tRRD_S from the rank's ACTs, tRRD_L from the group's, at most four in any tFAW, and not
    /// during a refresh. Opens `row` in bank `b` then and returns that cycle.
    @inline(__always)
    private func activate(bank b: Int, group: Int, rank r: Int, channel c: Int, at earliest: UInt64, row: UInt64,
                          work: UInt64) -> UInt64 {
        var act = earliest
        // Each failed check moves the candidate past the command it collides with.
        while true {
            act = refresh(rank: r, at: act)
            if act < refreshStart[r] && act &+ work > refreshStart[r] {
                // Too close before a refresh placed ahead for its bank to be precharged by then.
                act = refreshEnd[r]
            } else if calendars.any(commands(c), from: act, to: act) {
                act = calendars.runEnd(commands(c), from: act)
            } else if let m = calendars.lastMarked(actRank(r), from: back(act, tRRD_S &- 1), to: act &+ tRRD_S &- 1) {
                act = m &+ tRRD_S
            } else if let m = calendars.lastMarked(actGroup(group), from: back(act, tRRD_L &- 1), to: act &+ tRRD_L &- 1) {
                act = m &+ tRRD_L
            } else if fawFull(rank: r, at: act) {
                act &+= 1
            } else {
                break
            }
        }
        calendars.mark(commands(c), actRank(r), actGroup(group), at: act)
        openRow[b] = row
        openedAt[b] = act
        actAllowed[b] = act &+ tRC
        preAllowed[b] = act &+ tRAS
        casAllowed[b] = act &+ tRCD
        activates &+= 1
        bankActivates[b] &+= 1
        if let tracer, !rowSignals.isEmpty, let id = rowSignals[b] { tracer.record(id, at: max(act &* tCK, traceFloor), .bits(1)) }
        return act
    }

    /// Whether an ACT of rank `r` at cycle `act` would make five in some tFAW window (four at
    /// most in any `tFAW` consecutive cycles): four others in the window ending at `act`, in
    /// the one starting there, or in one starting at an ACT between (the windows holding
    /// ACTs on both sides of it).
    @inline(__always)
    private func fawFull(rank r: Int, at act: UInt64) -> Bool {
        let from = back(act, tFAW &- 1)
        let before = calendars.count(actRank(r), from: from, to: act, limit: 4)
        if before >= 4 { return true }
        let after = calendars.count(actRank(r), from: act, to: act &+ tFAW &- 1, limit: 4)
        if after >= 4 { return true }
        guard before &+ after >= 4 else { return false }
        var c = act
        for _ in 0 ..< before {
            guard c > from, let p = calendars.lastMarked(actRank(r), from: from, to: c &- 1) else { break }
            if calendars.count(actRank(r), from: p, to: p &+ tFAW &- 1, limit: 4) >= 4 { return true }
            c = p
        }
        return false
    }

    /// The first cycle at or after `earliest` for a RD (or WR) in rank `r`, bank group
    /// `group`, channel `c`: tCCD_S from the rank's RD/WR, tCCD_L from the group's; a read
    /// tWTR_S/L after a write's data; its data beats on a free bus (a write's also tRTW after
    /// a read's).
    @inline(__always)
    private func columnSlot(group: Int, rank r: Int, channel c: Int, at earliest: UInt64, write: Bool) -> UInt64 {
        let latency = write ? tCWL : tCL
        var cas = earliest
        // Each failed check moves the candidate past what it collides with.
        while true {
            let data = cas &+ latency
            let phase = data % tBurst
            if phase != 0, !calendars.any(bus(c), from: back(data, 1), to: back(data, 1)),
               !calendars.any(bus(c), from: data &+ tBurst, to: data &+ tBurst),
               calendars.any(bus(c), from: back(data, gridReach), to: data &+ tBurst &- 1 &+ gridReach) {
                // Other bursts are placed around: this one goes on the grid (`gridReach`).
                cas &+= tBurst &- phase
            } else if let m = calendars.lastMarked(bus(c), from: data, to: data &+ tBurst &- 1) {
                cas = calendars.runEnd(bus(c), from: m) &- latency
            } else if calendars.any(commands(c), from: cas, to: cas) {
                cas = calendars.runEnd(commands(c), from: cas)
            } else if let m = calendars.lastMarked(casRank(r), from: back(cas, tCCD_S &- 1), to: cas &+ tCCD_S &- 1) {
                cas = m &+ tCCD_S
            } else if let m = calendars.lastMarked(casGroup(group), from: back(cas, tCCD_L &- 1), to: cas &+ tCCD_L &- 1) {
                cas = m &+ tCCD_L
            } else if write, let m = calendars.lastMarked(readData(c), from: back(data, tRTW), to: data &- 1) {
                cas = m &+ 1 &+ tRTW &- latency
            } else if !write, let m = calendars.lastMarked(wendRank(r), from: back(cas, tWTR_S &- 1), to: cas) {
                cas = m &+ tWTR_S
            } else if !write, let m = calendars.lastMarked(wendGroup(group), from: back(cas, tWTR_L &- 1), to: cas) {
                cas = m &+ tWTR_L
            } else {
                break
            }
        }
        return cas
    }

    /// Marks a RD (WR) at `cas` and its data beats in the calendars.
    @inline(__always)
    private func markColumn(group: Int, rank r: Int, channel c: Int, at cas: UInt64, write: Bool) {
        let data = cas &+ (write ? tCWL : tCL)
        calendars.mark(commands(c), casRank(r), casGroup(group), at: cas)
        calendars.mark(bus(c), at: data, length: tBurst)
        if write {
            calendars.mark(wendRank(r), wendGroup(group), at: data &+ tBurst)
        } else {
            calendars.mark(readData(c), at: data, length: tBurst)
        }
    }

    /// Precharges bank `b` at cycle `time` (no earlier than tRAS, tRTP or tWR allow; the caller passes that).
    @inline(__always)
    private func closeRow(bank b: Int, rank r: Int, at time: UInt64) {
        activeTime[r] &+= time &- min(time, openedAt[b])
        openRow[b] = Self.closed
        actAllowed[b] = max(actAllowed[b], time &+ tRP)
        if let tracer, !rowSignals.isEmpty, let id = rowSignals[b] { tracer.record(id, at: max(time &* tCK, traceFloor), .bits(0)) }
    }

    /// The first cycle at or after `time` when rank `r` is not refreshing; when a refresh
    /// has come due since it last looked, precharges the rank's open rows (each as soon as
    /// tRAS, tRTP and tWR allow), and the REF follows the last precharge by tRP.
    @inline(__always)
    func refresh(rank r: Int, at time: UInt64) -> UInt64 {
        if time < nextRefresh[r] { return time >= refreshStart[r] && time < refreshEnd[r] ? refreshEnd[r] : time }
        let offset = refreshOffset[r]
        guard time >= offset &+ tREFI else { return time }
        let k = (time &- offset) / tREFI                // refreshes due by `time`
        let due = offset &+ k &* tREFI
        if k > refreshesSeen[r] {
            refreshesSeen[r] = k
            nextRefresh[r] = due &+ tREFI
            let first = r &* parameters.banksPerRank
            var closing = due
            var open = false
            for b in first ..< first &+ parameters.banksPerRank where openRow[b] != Self.closed {
                let pre = max(preAllowed[b], due)
                closeRow(bank: b, rank: r, at: pre)
                closing = max(closing, pre)
                open = true
            }
            // The rank is closed from its last precharge (the refresh waits for the commands
            // already placed past `due`) through the REF's tRFC; an ACT before that must leave
            // its bank precharged by then (`activate`).
            refreshStart[r] = closing
            refreshEnd[r] = (open ? closing &+ tRP : closing) &+ tRFC
        }
        return time >= refreshStart[r] && time < refreshEnd[r] ? refreshEnd[r] : time
    }

    /// Refreshes rank `r` has done by cycle `time`.
    func refreshes(rank r: Int, by time: UInt64) -> UInt64 {
        let offset = refreshOffset[r]
        return time >= offset &+ tREFI ? (time &- offset) / tREFI : 0
    }

    private func traceQueue(_ c: Int, at time: Tick) {
        if let tracer, !queueSignals.isEmpty, let id = queueSignals[c] {
            tracer.record(id, at: time, .bits(UInt64(writeQueues[c].count)))
        }
    }
}
