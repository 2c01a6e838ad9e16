import KonaProtocol

/// A CXL HDM-DB system small enough to explore: `hosts` caching agents sharing one line of
/// one device, whose coherence engine keeps the line's snoop filter entry in front of Kona's
/// FMem (the line's frame and its dirty bit) and remote memory; the messages in flight per
/// host and message class; the requests the engine has parked. Data values are abstracted to
/// latest or stale, so the state space is finite.
///
/// It runs the protocol layer's tables (`CXLHostProtocol`, `CXLDeviceProtocol`) and nothing
/// else: a step looks up the row for the refined event (a missing row is a violation),
/// performs its actions and moves the line. S2M NDR is delivered in order; every other class
/// in any order. The snoop filter may give its entry up (`Evict`) whenever it is stable, and
/// the eviction engine may evict the line's FMem block: the entry is given up first (the
/// hosts back-invalidated, dirty data collected), then the frame is written to remote memory
/// if its dirty bit is set and dropped; the next access fetches it again. FMem starts empty.
///
/// - Complexity: a step is O(hosts + messages in flight); the value is a few hundred bytes.
public struct CXLSystem: Hashable, Sendable {
    /// A message in flight: its kind and, if it carries the line, whether that is the latest value.
    public struct Packet: Hashable, Sendable {
        public var message: CXLMessage
        public var fresh: Bool
        /// For `MemWr`: whether its MetaValue says the sender keeps a copy (S or A, not I).
        public var keepsCopy = false
    }

    /// One host's view of the line.
    public struct HostLine: Hashable, Sendable {
        public var state = CXLHostProtocol.State.I
        /// A BISnp kept to answer later.
        public var held: CXLMessage?
        /// Whether the host's copy (or the data it has taken) is the latest value.
        public var fresh = false
    }

    /// The device coherence engine's entry for the line and the line's memory.
    public struct DeviceLine: Hashable, Sendable {
        public var state = CXLDeviceProtocol.State.I
        /// Listed sharers, one bit per host.
        public var sharers: UInt8 = 0
        /// The listed owner, or -1.
        public var owner: Int8 = -1
        /// The host whose request the entry serves, or -1.
        public var requester: Int8 = -1
        /// BIRsp still expected.
        public var pending: UInt8 = 0
        /// Whether the line's FMem frame holds the latest value (false while it has no frame).
        public var memoryFresh = false
        /// Whether the line has an FMem frame (fetched from remote memory).
        public var resident = false
        /// The frame's dirty bit: set by every write, cleared by a fetch.
        public var dirty = false
        /// An FMem eviction is under way: the frame goes once the entry is free.
        public var evicting = false
        /// Whether remote memory holds the latest value.
        public var remoteFresh = true
        /// Requests parked while the line is busy, in arrival order, with their senders.
        public var parked: [Parked] = []
    }

    /// A parked request and its sender.
    public struct Parked: Hashable, Sendable {
        public var packet: Packet
        public var sender: Int
    }

    /// One thing that can happen next.
    public enum Step: Hashable, Sendable, CustomStringConvertible {
        /// A host's core operation (Load, Store, Evict, WritePartial) in a stable state.
        case core(host: Int, CXLHostProtocol.Event)
        /// The engine's own decision (Evict, Clean) on a stable entry.
        case device(CXLDeviceProtocol.Event)
        /// The eviction engine evicts the line's FMem block (the entry is given up first).
        case evictFrame
        /// Delivery of message `index` of a class between the device and `host`.
        case deliver(host: Int, CXLMessageClass, index: Int)

        public var description: String {
            switch self {
            case .core(let h, let e): "host\(h): \(e.name)"
            case .device(let e): "device: \(e.name)"
            case .evictFrame: "device: FMem eviction"
            case .deliver(let h, let c, let i): "deliver \(c.isHostToDevice ? "host\(h) -> device" : "device -> host\(h)") \(c) #\(i)"
            }
        }

        /// Whether the device decides it (a snoop filter or FMem eviction, a clean), not a host or the link.
        public var isDeviceDecision: Bool {
            switch self {
            case .device, .evictFrame: true
            case .core, .deliver: false
            }
        }
    }

    /// A broken invariant or a missing row.
    public struct Violation: Error, Sendable, CustomStringConvertible {
        public var problem: String
        public var description: String { problem }
    }

    public var hosts: [HostLine]
    public var device = DeviceLine()
    /// `queues[host][class]`: messages in flight between the device and that host.
    public var queues: [[[Packet]]]

    /// The initial state: no host holds the line; memory has its latest value.
    public init(hosts: Int) {
        self.hosts = Array(repeating: HostLine(), count: hosts)
        queues = Array(repeating: Array(repeating: [], count: CXLMessageClass.allCases.count), count: hosts)
    }

    /// Whether nothing is in flight, parked or transient.
    public var isQuiescent: Bool {
        device.parked.isEmpty && device.state.rawValue <= CXLDeviceProtocol.State.E.rawValue
            && hosts.allSatisfy { $0.state.rawValue <= CXLHostProtocol.State.M.rawValue }
            && queues.allSatisfy { $0.allSatisfy(\.isEmpty) }
    }

    /// Every step enabled now.
    public func enabledSteps() -> [Step] {
        var steps: [Step] = []
        for (h, host) in hosts.enumerated() {
            switch host.state {
            case .I: steps += [.core(host: h, .Load), .core(host: h, .Store), .core(host: h, .WritePartial)]
            case .S, .E, .M: steps += [.core(host: h, .Load), .core(host: h, .Store), .core(host: h, .Evict)]
            default: break
            }
        }
        switch device.state {
        case .S: steps.append(.device(.Evict))
        case .E: steps += [.device(.Evict), .device(.Clean)]
        default: break
        }
        if device.resident && !device.evicting && device.state.rawValue <= CXLDeviceProtocol.State.E.rawValue {
            steps.append(.evictFrame)
        }
        for h in hosts.indices {
            for c in CXLMessageClass.allCases where !queues[h][c.rawValue].isEmpty {
                let queue = queues[h][c.rawValue]
                if c.isOrdered {
                    steps.append(.deliver(host: h, c, index: 0))
                } else {
                    for i in queue.indices where i == 0 || queue[i] != queue[i - 1] { steps.append(.deliver(host: h, c, index: i)) }
                }
            }
        }
        return steps
    }

    /// Takes `step`, recording each row fired (`hostRows`, `deviceRows`: row positions) and
    /// each transition as text in `log`.
    public mutating func apply(_ step: Step, tables: CXLTables, hostRows: inout Set<Int>, deviceRows: inout Set<Int>,
                               log: inout [String]) throws(Violation) {
        try apply(step, tables: tables, hostRows: &hostRows, deviceRows: &deviceRows, log: &log, record: true)
    }

    /// Takes `step`, recording each row fired, without describing the transitions (the random
    /// tester's fast path).
    public mutating func apply(_ step: Step, tables: CXLTables, hostRows: inout Set<Int>, deviceRows: inout Set<Int>) throws(Violation) {
        var none: [String] = []
        try apply(step, tables: tables, hostRows: &hostRows, deviceRows: &deviceRows, log: &none, record: false)
    }

    mutating func apply(_ step: Step, tables: CXLTables, hostRows: inout Set<Int>, deviceRows: inout Set<Int>,
                        log: inout [String], record: Bool) throws(Violation) {
        switch step {
        case .core(let h, let event):
            try runHost(h, event, packet: nil, tables: tables, rows: &hostRows, log: &log, record: record)
        case .device(let event):
            try runDevice(event, packet: nil, sender: -1, tables: tables, rows: &deviceRows, log: &log, record: record)
        case .evictFrame:
            if device.state == .I {
                dropFrame()
            } else {
                device.evicting = true
                try runDevice(.Evict, packet: nil, sender: -1, tables: tables, rows: &deviceRows, log: &log, record: record)
            }
        case .deliver(let h, let c, let i):
            let packet = queues[h][c.rawValue].remove(at: i)
            if c.isHostToDevice {
                try deliverToDevice(packet, from: h, tables: tables, rows: &deviceRows, log: &log, record: record)
            } else {
                guard let event = CXLHostProtocol.Event.arriving(packet.message, held: hosts[h].held) else {
                    throw Violation(problem: "host\(h) cannot take \(packet.message.specName)")
                }
                try runHost(h, event, packet: packet, tables: tables, rows: &hostRows, log: &log, record: record)
            }
        }
        try checkInvariants()
    }

    /// The state packed into bytes (one per field, a count before each list): equal states
    /// give equal bytes, so the explorer's visited set hashes these rather than the nested
    /// arrays.
    /// - Complexity: O(hosts + messages in flight + parked requests).
    public var encoding: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 + 3 * hosts.count + 8 * queues.count)
        func code(_ p: Packet) -> UInt8 { UInt8(p.message.rawValue * 4 + (p.fresh ? 2 : 0) + (p.keepsCopy ? 1 : 0)) }
        for host in hosts {
            out += [UInt8(host.state.rawValue), UInt8(host.held.map { $0.rawValue + 1 } ?? 0), host.fresh ? 1 : 0]
        }
        let d = device
        out += [UInt8(d.state.rawValue), d.sharers, UInt8(bitPattern: d.owner), UInt8(bitPattern: d.requester), d.pending,
                (d.memoryFresh ? 1 : 0) | (d.resident ? 2 : 0) | (d.dirty ? 4 : 0) | (d.evicting ? 8 : 0) | (d.remoteFresh ? 16 : 0),
                UInt8(d.parked.count)]
        for p in d.parked { out += [code(p.packet), UInt8(p.sender)] }
        for host in queues {
            for queue in host {
                out.append(UInt8(queue.count))
                for p in queue { out.append(code(p)) }
            }
        }
        return out
    }

    // MARK: the host

    mutating func runHost(_ h: Int, _ event: CXLHostProtocol.Event, packet: Packet?, tables: CXLTables,
                          rows: inout Set<Int>, log: inout [String], record: Bool) throws(Violation) {
        let state = hosts[h].state
        guard let r = tables.host.rowIndex(state, event) else {
            throw Violation(problem: "cxl-host host\(h): no row for (\(state.name), \(event.name))")
        }
        rows.insert(r)
        for i in Int(tables.host.actionStarts[r])..<Int(tables.host.actionStarts[r + 1]) {
            switch tables.host.actionList[i] {
            case .sendMemRdData: send(.MemRdData, host: h)
            case .sendMemRd: send(.MemRd, host: h)
            case .sendMemInv: send(.MemInv, host: h)
            case .sendMemWrI: send(.MemWr, host: h, fresh: hosts[h].fresh)
            case .sendMemWrS, .sendMemWrA: send(.MemWr, host: h, fresh: hosts[h].fresh, keepsCopy: true)
            case .sendMemWrPtl: send(.MemWrPtl, host: h)
            case .sendBIConflict: send(.BIConflict, host: h)
            case .sendBIRspI: send(.BIRspI, host: h)
            case .sendBIRspS: send(.BIRspS, host: h)
            case .sendBIRspE: send(.BIRspE, host: h)
            case .holdSnoop:
                guard let packet, packet.message.messageClass == .s2mBISnp, hosts[h].held == nil else {
                    throw Violation(problem: "host\(h) (\(state.name), \(event.name)): holds a snoop it cannot keep")
                }
                hosts[h].held = packet.message
            case .dropHeld: hosts[h].held = nil
            case .hit:
                if event == .Store { makeLatest(host: h) } else { try checkLoad(h) }
            case .takeData: hosts[h].fresh = packet?.fresh ?? false
            case .completeLoad: try checkLoad(h)
            case .completeStore: makeLatest(host: h)
            case .dropCopy: hosts[h].fresh = false
            }
        }
        hosts[h].state = tables.host.nextStates[r]
        if record { log.append("cxl-host host\(h): (\(state.name), \(event.name)) -> \(hosts[h].state.name)") }
    }

    mutating func checkLoad(_ h: Int) throws(Violation) {
        guard hosts[h].fresh else { throw Violation(problem: "host\(h) loads a stale value in \(hosts[h].state.name)") }
    }

    /// A store by host `h` (or, with -1, a partial write merged into device memory): every
    /// other copy of the line becomes stale.
    mutating func makeLatest(host h: Int) {
        for i in hosts.indices { hosts[i].fresh = i == h }
        device.memoryFresh = h < 0
        device.remoteFresh = false
        for i in queues.indices {
            for c in queues[i].indices {
                for j in queues[i][c].indices { queues[i][c][j].fresh = false }
            }
        }
    }

    mutating func send(_ message: CXLMessage, host h: Int, fresh: Bool = false, keepsCopy: Bool = false) {
        let c = message.messageClass.rawValue
        let packet = Packet(message: message, fresh: fresh, keepsCopy: keepsCopy)
        if message.messageClass.isOrdered {
            queues[h][c].append(packet)
        } else {
            // Any order may be delivered: keep the class sorted, so equal contents are one state.
            func key(_ p: Packet) -> Int { p.message.rawValue * 4 + (p.fresh ? 2 : 0) + (p.keepsCopy ? 1 : 0) }
            let at = queues[h][c].firstIndex { key($0) > key(packet) }
            queues[h][c].insert(packet, at: at ?? queues[h][c].count)
        }
    }

    // MARK: the device

    mutating func deliverToDevice(_ packet: Packet, from h: Int, tables: CXLTables, rows: inout Set<Int>,
                                  log: inout [String], record: Bool) throws(Violation) {
        let event = try refine(packet, from: h)
        try runDevice(event, packet: packet, sender: h, tables: tables, rows: &rows, log: &log, record: record)
        // Once the entry is stable, re-deliver what it parked, in order.
        while device.state.rawValue <= CXLDeviceProtocol.State.E.rawValue, !device.parked.isEmpty {
            let parked = device.parked.removeFirst()
            let event = try refine(parked.packet, from: parked.sender)
            try runDevice(event, packet: parked.packet, sender: parked.sender, tables: tables, rows: &rows, log: &log, record: record)
        }
    }

    func refine(_ packet: Packet, from h: Int) throws(Violation) -> CXLDeviceProtocol.Event {
        let message = packet.message
        let bit = UInt8(1) << h
        let others = device.sharers & ~bit != 0 || (device.owner >= 0 && Int(device.owner) != h)
        let ownedByOther = device.owner >= 0 && Int(device.owner) != h
        switch message {
        case .MemRdData: return ownedByOther ? .MemRdData_Owned : others ? .MemRdData_Shared : .MemRdData_Alone
        case .MemRd: return ownedByOther ? .MemRd_Owned : others ? .MemRd_Shared : .MemRd_Alone
        case .MemInv:
            if Int(device.owner) == h { return .MemInv_Last }
            if device.sharers & bit != 0 { return device.sharers == bit ? .MemInv_Last : .MemInv_Sharer }
            return .MemInv_Stale
        case .MemWr: return packet.keepsCopy ? .MemWr_Keep : .MemWr
        case .MemWrPtl: return device.sharers != 0 || device.owner >= 0 ? .MemWrPtl_Cached : .MemWrPtl_Alone
        case .BIConflict: return .BIConflict
        case .BIRspI, .BIRspS, .BIRspE:
            guard device.pending > 0 else { throw Violation(problem: "device: \(message.specName) from host\(h), none expected") }
            if device.pending > 1 {
                guard message == .BIRspI || device.sharers & bit == 0 && Int(device.owner) != h else { throw Violation(problem: "device: \(message.specName) from host\(h) to a BISnpInv") }
                return .Rsp
            }
            let listed = device.sharers & bit != 0 || Int(device.owner) == h
            return message == .BIRspI || !listed ? .LastRspI : message == .BIRspS ? .LastRspS : .LastRspE
        default:
            throw Violation(problem: "device cannot take \(message.specName)")
        }
    }

    mutating func runDevice(_ event: CXLDeviceProtocol.Event, packet: Packet?, sender: Int, tables: CXLTables,
                            rows: inout Set<Int>, log: inout [String], record: Bool) throws(Violation) {
        let state = device.state
        guard let r = tables.device.rowIndex(state, event) else {
            throw Violation(problem: "cxl-device: no row for (\(state.name), \(event.name))" + (sender >= 0 ? " from host\(sender)" : ""))
        }
        rows.insert(r)
        let isRequest = [.MemRdData, .MemRd, .MemWrPtl].contains(packet?.message)
        let stalls = tables.device.rows[r].isStall(.stall)
        if isRequest && !stalls { device.requester = Int8(sender) }
        if [.LastRspI, .LastRspS, .LastRspE].contains(event) { device.pending = 0 }
        // A message's answer goes to its sender; a decision's or a response's, to the requester.
        let target = sender >= 0 && packet?.message.messageClass != .m2sBIRsp ? sender : Int(device.requester)
        for i in Int(tables.device.actionStarts[r])..<Int(tables.device.actionStarts[r + 1]) {
            switch tables.device.actionList[i] {
            case .sendData:
                fetch()
                send(.MemData, host: target, fresh: device.memoryFresh)
            case .grantS:
                send(.CmpS, host: target)
                device.sharers |= UInt8(1) << target
            case .grantE:
                send(.CmpE, host: target)
                device.owner = Int8(target)
                device.sharers = 0
            case .writeMemory:
                fetch()
                device.memoryFresh = packet?.fresh ?? false
                device.dirty = true
            case .mergeMemory:
                fetch()
                guard device.memoryFresh else { throw Violation(problem: "device: a partial write merged into a stale line") }
                makeLatest(host: -1)
                device.dirty = true
            case .sendCmp: send(.Cmp, host: target)
            case .snoopInvOthers: snoop(.BISnpInv, except: target)
            case .snoopInvAll: snoop(.BISnpInv, except: -1)
            case .snoopDataOwner: snoop(.BISnpData, owner: true)
            case .snoopCurOwner: snoop(.BISnpCur, owner: true)
            case .countRsp: device.pending -= 1
            case .ownerToSharer:
                device.sharers = UInt8(1) << Int(device.owner)
                device.owner = -1
            case .clearOwner: device.owner = -1
            case .removeSender:
                device.sharers &= ~(UInt8(1) << sender)
                if Int(device.owner) == sender { device.owner = -1 }
            case .clearEntry:
                device.sharers = 0
                device.owner = -1
            case .sendBIConflictAck: send(.BIConflictAck, host: sender)
            case .recalled:
                guard device.sharers == 0 && device.owner < 0 else {
                    throw Violation(problem: "device: entry freed while hosts are listed (\(state.name), \(event.name))")
                }
                if device.evicting { dropFrame() }
            case .stall: device.parked.append(Parked(packet: packet!, sender: sender))
            }
        }
        device.state = tables.device.nextStates[r]
        if device.state.rawValue <= CXLDeviceProtocol.State.E.rawValue { device.requester = -1 }
        if record {
            log.append("cxl-device: (\(state.name), \(event.name))" + (sender >= 0 ? " from host\(sender)" : "") + " -> \(device.state.name)")
        }
    }

    /// Brings the line's frame in from remote memory if it has none (the fetch is atomic here).
    mutating func fetch() {
        guard !device.resident else { return }
        device.resident = true
        device.memoryFresh = device.remoteFresh
        device.dirty = false
    }

    /// Ends an FMem eviction: the frame goes to remote memory if dirty, then is dropped.
    mutating func dropFrame() {
        if device.dirty { device.remoteFresh = device.memoryFresh }
        device.resident = false
        device.dirty = false
        device.memoryFresh = false
        device.evicting = false
    }

    mutating func snoop(_ message: CXLMessage, except: Int = -1, owner: Bool = false) {
        var targets: [Int] = []
        if owner {
            if device.owner >= 0 { targets = [Int(device.owner)] }
        } else {
            targets = hosts.indices.filter { $0 != except && (device.sharers & (UInt8(1) << $0) != 0 || Int(device.owner) == $0) }
        }
        for t in targets { send(message, host: t) }
        device.pending = UInt8(targets.count)
    }

    // MARK: invariants

    /// Single writer or multiple readers; every host holding a copy is listed (the snoop filter
    /// is inclusive); the latest value is somewhere (a host, FMem, remote memory, or data in flight).
    func checkInvariants() throws(Violation) {
        let readable: Set<CXLHostProtocol.State> = [.S, .E, .M, .S_X, .E_X, .M_X, .MS_C, .ME_C]
        let writable: Set<CXLHostProtocol.State> = [.E, .M, .E_X, .M_X]
        for (h, host) in hosts.enumerated() where writable.contains(host.state) {
            for (o, other) in hosts.enumerated() where o != h && readable.contains(other.state) {
                throw Violation(problem: "single writer broken: host\(h) in \(host.state.name), host\(o) in \(other.state.name)")
            }
        }
        for (h, host) in hosts.enumerated() where readable.contains(host.state) {
            guard device.sharers & (UInt8(1) << h) != 0 || Int(device.owner) == h else {
                throw Violation(problem: "snoop filter not inclusive: host\(h) holds the line in \(host.state.name), unlisted")
            }
        }
        let inFlight = queues.contains { $0.contains { $0.contains { $0.fresh && $0.message.carriesData } } }
        guard device.memoryFresh || device.remoteFresh || inFlight || hosts.contains(where: { $0.fresh }) else {
            throw Violation(problem: "the line's latest value is lost")
        }
    }
}
