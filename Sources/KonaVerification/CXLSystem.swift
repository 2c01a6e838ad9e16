import KonaHardware
import KonaProtocol

/// A CXL HDM-DB system small enough to explore: `hosts` caching agents sharing one line of
/// one device, whose coherence engine keeps the line's snoop filter entry in front of Kona's
/// FMem (the line's frame and its dirty bit) and remote memory; the messages in flight per
/// host and message class; the requests the engine has parked. Data values are abstracted to
/// latest or stale, so the state space is finite.
///
/// It runs the protocol layer's tables (`CXLHostProtocol`, `CXLDeviceProtocol`) through the
/// hardware layer's executors (`CXLHostEngine`, `CXLDeviceEngine`, which the timed CXL home
/// runs too) and nothing else: this type supplies only what their actions do to the messages
/// in flight and to the abstracted data (`CXLHostEffects`, `CXLDeviceEffects`). S2M NDR is delivered in order; every other class
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
        /// The host's state and held snoop, as its executor keeps them.
        public var line = CXLHostLine()
        /// Whether the host's copy (or the data it has taken) is the latest value.
        public var fresh = false
    }

    /// The device coherence engine's entry for the line and the line's memory.
    public struct DeviceLine: Hashable, Sendable {
        /// The snoop filter entry, as the device's executor keeps it.
        public var entry = CXLDeviceEntry()
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
    public typealias Violation = CXLProtocolError

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
        device.parked.isEmpty && device.entry.isStable && hosts.allSatisfy(\.line.isStable)
            && queues.allSatisfy { $0.allSatisfy(\.isEmpty) }
    }

    /// Every step enabled now.
    public func enabledSteps() -> [Step] {
        var steps: [Step] = []
        for (h, host) in hosts.enumerated() {
            switch host.line.state {
            case .I: steps += [.core(host: h, .Load), .core(host: h, .Store), .core(host: h, .WritePartial)]
            case .S, .E, .M: steps += [.core(host: h, .Load), .core(host: h, .Store), .core(host: h, .Evict)]
            default: break
            }
        }
        switch device.entry.state {
        case .S: steps.append(.device(.Evict))
        case .E: steps += [.device(.Evict), .device(.Clean)]
        default: break
        }
        if device.resident && !device.evicting && device.entry.isStable {
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
            if device.entry.state == .I {
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
                guard let event = CXLHostProtocol.Event.arriving(packet.message, held: hosts[h].line.held) else {
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
            out += [UInt8(host.line.state.rawValue), UInt8(host.line.held.map { $0.rawValue + 1 } ?? 0), host.fresh ? 1 : 0]
        }
        let d = device, e = device.entry
        out += [UInt8(e.state.rawValue), e.sharers, UInt8(bitPattern: e.owner), UInt8(bitPattern: e.requester), e.pending,
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
        var line = hosts[h].line
        let r = try CXLHostEngine.run(event, host: h, message: packet?.message, packet: packet, line: &line,
                                      table: tables.host, effects: &self)
        hosts[h].line = line
        rows.insert(r)
        if record { log.append("cxl-host host\(h): (\(tables.host.rows[r].state.name), \(event.name)) -> \(line.state.name)") }
    }

    mutating func checkLoad(_ h: Int) throws(Violation) {
        guard hosts[h].fresh else { throw Violation(problem: "host\(h) loads a stale value in \(hosts[h].line.state.name)") }
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
        while device.entry.isStable, !device.parked.isEmpty {
            let parked = device.parked.removeFirst()
            let event = try refine(parked.packet, from: parked.sender)
            try runDevice(event, packet: parked.packet, sender: parked.sender, tables: tables, rows: &rows, log: &log, record: record)
        }
    }

    func refine(_ packet: Packet, from h: Int) throws(Violation) -> CXLDeviceProtocol.Event {
        try CXLDeviceEngine.refine(packet.message, keepsCopy: packet.keepsCopy, from: h, entry: device.entry)
    }

    mutating func runDevice(_ event: CXLDeviceProtocol.Event, packet: Packet?, sender: Int, tables: CXLTables,
                            rows: inout Set<Int>, log: inout [String], record: Bool) throws(Violation) {
        var entry = device.entry
        let r = try CXLDeviceEngine.run(event, message: packet?.message, packet: packet, sender: sender, entry: &entry,
                                        table: tables.device, effects: &self)
        device.entry = entry
        rows.insert(r)
        if record {
            log.append("cxl-device: (\(tables.device.rows[r].state.name), \(event.name))" + (sender >= 0 ? " from host\(sender)" : "")
                + " -> \(entry.state.name)")
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

    // MARK: invariants

    /// Single writer or multiple readers; every host holding a copy is listed (the snoop filter
    /// is inclusive); the latest value is somewhere (a host, FMem, remote memory, or data in flight).
    func checkInvariants() throws(Violation) {
        let readable: Set<CXLHostProtocol.State> = [.S, .E, .M, .S_X, .E_X, .M_X, .MS_C, .ME_C]
        let writable: Set<CXLHostProtocol.State> = [.E, .M, .E_X, .M_X]
        for (h, host) in hosts.enumerated() where writable.contains(host.line.state) {
            for (o, other) in hosts.enumerated() where o != h && readable.contains(other.line.state) {
                throw Violation(problem: "single writer broken: host\(h) in \(host.line.state.name), host\(o) in \(other.line.state.name)")
            }
        }
        for (h, host) in hosts.enumerated() where readable.contains(host.line.state) {
            guard device.entry.lists(h) else {
                throw Violation(problem: "snoop filter not inclusive: host\(h) holds the line in \(host.line.state.name), unlisted")
            }
        }
        let inFlight = queues.contains { $0.contains { $0.contains { $0.fresh && $0.message.carriesData } } }
        guard device.memoryFresh || device.remoteFresh || inFlight || hosts.contains(where: { $0.fresh }) else {
            throw Violation(problem: "the line's latest value is lost")
        }
    }
}

// MARK: - CXLHostEffects

extension CXLSystem: CXLHostEffects {
    /// A `MemWr` carries the host's copy, latest or stale; other messages carry no line.
    public mutating func send(_ message: CXLMessage, from host: Int, keepsCopy: Bool) {
        send(message, host: host, fresh: message == .MemWr && hosts[host].fresh, keepsCopy: keepsCopy)
    }

    public mutating func hit(_ event: CXLHostProtocol.Event, host: Int) throws(Violation) {
        if event == .Store { makeLatest(host: host) } else { try checkLoad(host) }
    }

    public mutating func takeData(_ packet: Packet?, host: Int) { hosts[host].fresh = packet?.fresh ?? false }
    public mutating func completeLoad(host: Int) throws(Violation) { try checkLoad(host) }
    public mutating func completeStore(host: Int) { makeLatest(host: host) }
    public mutating func dropCopy(host: Int) { hosts[host].fresh = false }
}

// MARK: - CXLDeviceEffects

extension CXLSystem: CXLDeviceEffects {
    public mutating func send(_ message: CXLMessage, to host: Int) { send(message, host: host) }

    public mutating func sendData(to host: Int) {
        fetch()
        send(.MemData, host: host, fresh: device.memoryFresh)
    }

    public mutating func writeMemory(_ packet: Packet?) {
        fetch()
        device.memoryFresh = packet?.fresh ?? false
        device.dirty = true
    }

    public mutating func mergeMemory() throws(Violation) {
        fetch()
        guard device.memoryFresh else { throw Violation(problem: "device: a partial write merged into a stale line") }
        makeLatest(host: -1)
        device.dirty = true
    }

    public mutating func recalled() {
        if device.evicting { dropFrame() }
    }

    public mutating func park(_ packet: Packet, sender: Int) { device.parked.append(Parked(packet: packet, sender: sender)) }
}
