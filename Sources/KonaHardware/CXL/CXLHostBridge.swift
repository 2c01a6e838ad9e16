import KonaEngine
import KonaProtocol

/// The host side of Kona on CXL: the sockets' home for the device's range (its directory runs
/// the FPGA table of `HomeProtocol` over the sockets' LLCs, as the host's home agent for
/// host-managed device memory does) and one CXL host toward the device, running
/// `CXLHostProtocol` through `CXLHostEngine` per line.
///
/// A socket's request for a line the host does not hold well enough (I for a read; I or S for
/// ownership) waits here, with any later request for the line, while the host asks the device
/// (`MemRdData`, `MemRd`); once the host's line is stable the requests go to the directory,
/// `directoryLatency` after. When the directory's line returns to I (the sockets have written
/// it back or dropped it) the host evicts it to the device (`MemInv`, or `MemWr` with the
/// dirty data, which the directory's write made modified). A back-invalidation snoop for a
/// line the sockets hold first recalls it from them through the directory, holding new
/// requests; then the host table answers it. Messages to the device go through the
/// `CXLLink`; the device's messages arrive through `fromDevice`.
///
/// Simplified: a snoop held by the host's read (the host table answers it in the row that
/// completes the read) is answered only after the sockets' requests the read was for have been
/// served and recalled; the host's directory serves a second socket's read of a line the host holds
/// without asking the device (as if from the sharing socket); a `BISnpData` or `BISnpCur`
/// recalls the sockets' copies entirely (the host then gives up its shared copy too). Line
/// values live here for data-value checking (the device does not carry them).
public final class CXLHostBridge: Component, LineValueStore, CXLHostEffects {
    public typealias Packet = CXLMessage
    private enum Kind: UInt32 { case toDevice, fromDevice, release, recall }

    public let path: String
    public private(set) var id = ComponentID(raw: .max)
    /// The sockets' directory for the device's range.
    public let controller: DirectoryController
    public let device: CXLDeviceAgent
    public let link: CXLLink
    let outbox: TimedOutbox
    let table: CXLHostProtocol.Table
    unowned(unsafe) let simulator: Simulator
    let directoryLatency: Tick

    /// The host's record per line, and the values of the range.
    private var lines = LineMap<CXLHostLine>()
    private var values = LineMap<UInt64>()
    /// Socket requests held per line while the host's line is not ready (or a snoop recalls it).
    private var held = LineMap<[CoherenceMessage]>()
    /// A snoop waiting for the sockets' copies to be recalled, per line.
    private var snooping = LineMap<CXLMessage>()
    /// Messages in flight each way, in order of arrival (event payloads index them).
    private var toDevice: [CXLDeviceAgent.Packet] = [], toDeviceHead = 0
    private var fromDevice: [(message: CXLMessage, line: UInt64)] = [], fromDeviceHead = 0
    private var line: UInt64 = 0
    private var failure: SimulationError?

    /// A bridge (home number `index`) in front of `device`, registered with `simulator`.
    public init(path: String, index: Int, table: HomeProtocol.Table, device: CXLDeviceAgent, link: CXLLink,
                directoryLatency: Tick, outbox: TimedOutbox, simulator: Simulator) {
        self.path = path
        self.device = device
        self.link = link
        self.outbox = outbox
        self.table = CXLHostProtocol.table
        self.simulator = simulator
        self.directoryLatency = directoryLatency
        controller = DirectoryController(index: index, table: table, network: outbox)
        id = simulator.register(self)
        controller.values = self
        controller.onMemoryAccess = { [unowned(unsafe) self] line, isWrite in if isWrite { self.written(line) } }
        controller.onTransition = { [unowned(unsafe) self] line, _, _, after in self.directoryChanged(line, to: after) }
        controller.onRecalled = { [unowned(unsafe) self] line in self.recalled(line) }
        device.toHost = { [unowned(unsafe) self] message, line, _, time in
            self.fromDevice.append((message, line))
            self.simulator.schedule(at: time, target: self.id, kind: Kind.fromDevice.rawValue)
        }
    }

    // MARK: Values

    public func value(of line: UInt64) -> UInt64 { values[line] ?? 0 }
    public func store(_ value: UInt64, to line: UInt64) { values[line] = value }
    /// The host's CXL state of `line`.
    public func state(_ line: UInt64) -> CXLHostProtocol.State { lines[line]?.state ?? .I }

    // MARK: From the sockets

    /// A message from a socket's LLC arrives now.
    public func receive(_ message: CoherenceMessage) throws(ProtocolViolation) {
        take(message, at: simulator.now)
        if let failure { throw ProtocolViolation(component: path, line: message.line, state: state(message.line).name,
                                                 event: "\(message.kind)", message: failure.message) }
    }

    private func take(_ message: CoherenceMessage, at time: Tick) {
        let l = message.line
        switch message.kind {
        case .RdShared, .RdOwn, .UpgradeReq:
            if held[l] != nil {
                held[l]!.append(message)
                return
            }
            let host = lines[l] ?? CXLHostLine()
            guard host.isStable else {
                held[l] = [message]
                return
            }
            let wantsOwnership = message.kind != .RdShared
            if host.state == .I || (wantsOwnership && host.state == .S) {
                held[l] = [message]
                fire(wantsOwnership ? .Store : .Load, line: l, message: nil)
            } else {
                toDirectory(message, at: time)
            }
        default:
            toDirectory(message, at: time)
        }
    }

    private func toDirectory(_ message: CoherenceMessage, at time: Tick) {
        outbox.time = time + directoryLatency
        do { try controller.receive(message) } catch { fail(message.line, error.description) }
    }

    private func fail(_ line: UInt64, _ problem: String) {
        if failure == nil {
            failure = SimulationError(.protocolViolation, time: simulator.now, component: path,
                                      message: "line 0x\(String(line << 6, radix: 16)): \(problem)")
        }
    }

    /// The directory wrote the line (a socket's dirty data): the host's copy is modified.
    private func written(_ line: UInt64) {
        if lines[line]?.state == .E { fire(.Store, line: line, message: nil) }
    }

    /// The directory moved `line` to `after`. Stable with a snoop waiting: the snoop recalls the
    /// line, or, if the sockets have dropped it, is answered. Back in I otherwise: the host
    /// evicts it. Both after the directory's transition has finished (an event now).
    private func directoryChanged(_ line: UInt64, to after: HomeProtocol.State) {
        if snooping[line] != nil {
            if DirectoryController.isStable(after) { simulator.schedule(at: simulator.now, target: id, kind: Kind.recall.rawValue, payload: line) }
        } else if after == .I {
            simulator.schedule(at: simulator.now, target: id, kind: Kind.release.rawValue, payload: line)
        }
    }

    /// The sockets' copies of a snooped line are recalled: the host answers the snoop.
    private func recalled(_ line: UInt64) {
        guard let snoop = snooping.removeValue(forKey: line) else { return }
        arrive(snoop, line: line)
    }

    // MARK: From the device

    public func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        if event.kind == Kind.release.rawValue {
            release(event.payload)
        } else if event.kind == Kind.recall.rawValue {
            let l = event.payload
            if snooping[l] != nil && DirectoryController.isStable(controller.state(l)) {
                if controller.state(l) == .I { recalled(l) } else { recall(l) }
            }
        } else if event.kind == Kind.toDevice.rawValue {
            let p = toDevice[toDeviceHead]
            toDeviceHead += 1
            if toDeviceHead == toDevice.count { toDevice.removeAll(keepingCapacity: true); toDeviceHead = 0 }
            device.receive(p)
        } else {
            let m = fromDevice[fromDeviceHead]
            fromDeviceHead += 1
            if fromDeviceHead == fromDevice.count { fromDevice.removeAll(keepingCapacity: true); fromDeviceHead = 0 }
            fromDeviceArrived(m.message, line: m.line)
        }
        if let failure { throw failure }
    }

    /// A message from the device. A `BISnp` for a line whose read has just completed (stable,
    /// with the sockets' requests still held for it, their release not yet run) comes after the
    /// read's `Cmp`, so it is for the new copy: the requests the read was for are served
    /// first, as the host table's rows complete a core's load before a held snoop, and the
    /// snoop then recalls their copies. Answered at once, it would leave them nothing and
    /// their read would be asked again, forever if each grant's block is evicted at once.
    private func fromDeviceArrived(_ message: CXLMessage, line l: UInt64) {
        if message.messageClass == .s2mBISnp, snooping[l] == nil, let waiting = held[l], !waiting.isEmpty,
           let read = lines[l], read.isStable, read.state != .I {
            release(l)
        }
        let host = lines[l] ?? CXLHostLine()
        if message.messageClass == .s2mBISnp && host.isStable && host.state != .I && controller.state(l) != .I {
            // The sockets hold the line: recall it from them first, holding new requests.
            snooping[l] = message
            if held[l] == nil { held[l] = [] }
            if DirectoryController.isStable(controller.state(l)) { recall(l) }
            return
        }
        arrive(message, line: l)
    }

    private func recall(_ line: UInt64) {
        outbox.time = simulator.now + directoryLatency
        do { try controller.recall(line) } catch { fail(line, error.description) }
    }

    /// `message` from the device goes to the host table. The data of the host's read with a
    /// snoop held (the snoop came after the read's `Cmp`, so it is for the new copy) first
    /// serves the sockets' requests that the read was for, as the row's completion does for a
    /// core; the held snoop then arrives as if just now, so it recalls their copies before it
    /// is answered (answering at once would leave the sockets nothing: a read retried forever
    /// when the snoop filter keeps taking the line back).
    private func arrive(_ message: CXLMessage, line l: UInt64) {
        if message == .MemData, let snoop = lines[l]?.held, let state = lines[l]?.state, [.IS_D, .IE_D, .IM_D].contains(state) {
            lines[l]!.held = nil
            fire(.MemData, line: l, message: message)
            release(l)
            fromDeviceArrived(snoop, line: l)
            return
        }
        guard let event = CXLHostProtocol.Event.arriving(message, held: lines[l]?.held) else {
            fail(l, "the host cannot take \(message.specName)")
            return
        }
        fire(event, line: l, message: message)
    }

    /// Fires the host row; once the line is stable, what waited for it goes on.
    private func fire(_ event: CXLHostProtocol.Event, line l: UInt64, message: CXLMessage?) {
        var host = lines[l] ?? CXLHostLine()
        line = l
        var me = self
        do {
            try CXLHostEngine.run(event, host: 0, message: message, packet: message, line: &host, table: table, effects: &me)
        } catch {
            fail(l, error.problem)
            return
        }
        lines[l] = host
        if host.isStable { simulator.schedule(at: simulator.now, target: id, kind: Kind.release.rawValue, payload: l) }
    }

    /// The host's line `l` may be stable: unless a snoop is recalling it, the requests held for
    /// it go on; and if no socket holds it, the host evicts it.
    private func release(_ l: UInt64) {
        guard let host = lines[l], host.isStable, snooping[l] == nil else { return }
        if let waiting = held.removeValue(forKey: l) {
            for m in waiting { take(m, at: simulator.now) }
        }
        if held[l] == nil && controller.state(l) == .I && lines[l]!.isStable && lines[l]!.state != .I {
            fire(.Evict, line: l, message: nil)
        }
    }

    // MARK: CXLHostEffects

    public func send(_ message: CXLMessage, from host: Int, keepsCopy: Bool) {
        toDevice.append(CXLDeviceAgent.Packet(message, line: line, host: host, keepsCopy: keepsCopy))
        simulator.schedule(at: link.send(message, at: simulator.now), target: id, kind: Kind.toDevice.rawValue)
    }

    public func hit(_ event: CXLHostProtocol.Event, host: Int) throws(CXLProtocolError) {}
    public func takeData(_ packet: CXLMessage?, host: Int) {}
    public func completeLoad(host: Int) throws(CXLProtocolError) {}
    public func completeStore(host: Int) {}
    public func dropCopy(host: Int) {}

    public func outstandingTransactions() -> [String] {
        var out: [String] = []
        for l in held.sortedKeys { out.append("line 0x\(String(l << 6, radix: 16)): \(held[l]!.count) request(s) held, host in \(state(l).name)") }
        for l in snooping.sortedKeys { out.append("line 0x\(String(l << 6, radix: 16)): \(snooping[l]!.specName) waits for the sockets' copies") }
        return out
    }
}
