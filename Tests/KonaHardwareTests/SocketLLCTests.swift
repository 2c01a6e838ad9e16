import Testing
import KonaEngine
@testable import KonaHardware
import KonaProtocol

/// One socket's LLC between scripted cores and a scripted home: two cores (0 and 1), home 1,
/// one slice accepting a message per 1 GHz cycle, a 10 ns LLC latency, and 20 ns on every
/// channel of the interconnect. Unless a test scripts them, cores answer after 5 ns (Unblock
/// for a grant; for Inv and Downgrade InvAck/DowngradeAck, or as owner InvAckData/
/// DowngradeAckData with the value they wrote, their grant's + 100) and the home after
/// 100 ns (DataS for RdShared, DataEx for RdOwn, GntE for UpgradeReq, WbAck for a write-back;
/// the data of line `l` is 1000 + `l`).
final class LLCBench: Component {
    let path = "bench"
    let simulator = Simulator()
    let stats = StatsRegistry()
    var id = ComponentID(raw: 0)
    var llc: SocketLLC!
    var interconnect: Interconnect!
    /// Every message delivered (to the LLC, the cores or the home), with its arrival time.
    var delivered: [(time: Tick, message: CoherenceMessage)] = []
    /// Lines each core owns (E or M), with the value it holds.
    var owned: [Int: [UInt64: UInt64]] = [:]
    private var outgoing: [CoherenceMessage] = []
    private var receiver: Receiver?

    init(sets: Int = 4, ways: Int = 2, writebackBuffer: Int = 0) {
        id = simulator.register(self)
        let timing = Channel.allCases.map { _ in Interconnect.ChannelTiming(latency: 20_000, bitsPerSecond: 0) }
        interconnect = Interconnect(path: "fabric", headerBytes: 16, timing: timing, simulator: simulator, stats: stats,
                                    simulatedTime: { [unowned self] in self.simulator.now })
        let ic = interconnect!
        llc = SocketLLC(path: "socket0.llc", socket: 0, firstCore: 0, cores: 2, sets: sets, ways: ways, latency: 10_000,
                        slices: [LookupPort(clock: ClockDomain(hertz: 1_000_000_000), perCycle: 1)],
                        writebackBuffer: writebackBuffer, table: LLCProtocol.table(ProtocolVariant()),
                        outbox: TimedOutbox(toCore: ic, toLLC: [ic], toHome: [ic, ic]), homeOf: { _ in .home(1) },
                        simulator: simulator, seed: 1, stats: stats)
        receiver = Receiver(bench: self)
        interconnect.deliver(to: receiver!)
    }

    /// Hands messages to the LLC, or to the scripted cores and home.
    private final class Receiver: MessageRouter {
        unowned let bench: LLCBench
        init(bench: LLCBench) {
            self.bench = bench
            super.init(complexes: [], llcs: [], homes: [], fpga: nil)
        }
        override func deliver(_ message: CoherenceMessage) throws(ProtocolViolation) {
            bench.delivered.append((bench.simulator.now, message))
            if case .llc = message.destination { try bench.llc.receive(message) } else { bench.answer(message) }
        }
    }

    /// `source` (a core or the home) sends `kind` for `line` to the LLC at `time`.
    func send(_ kind: MessageKind, line: UInt64, from source: Endpoint, at time: Tick, data: UInt64 = 0) {
        outgoing.append(CoherenceMessage(kind, line: line, from: source, to: .llc(0), data: data))
        simulator.schedule(at: time, target: id, kind: 1, payload: UInt64(outgoing.count - 1))
    }

    func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        interconnect.send(outgoing[Int(event.payload)], at: simulator.now)
    }

    func outstandingTransactions() -> [String] { [] }

    private func answer(_ message: CoherenceMessage) {
        let line = message.line, now = simulator.now
        switch message.destination {
        case .core(let c):
            let me = Endpoint.core(c)
            switch message.kind {
            case .Data:
                send(.Unblock, line: line, from: me, at: now + 5_000)
            case .DataE, .DataM, .GntM:
                owned[c, default: [:]][line] = message.data
                send(.Unblock, line: line, from: me, at: now + 5_000)
            case .Inv:
                if let value = owned[c]?.removeValue(forKey: line) {
                    send(.InvAckData, line: line, from: me, at: now + 5_000, data: value + 100)
                } else {
                    send(.InvAck, line: line, from: me, at: now + 5_000)
                }
            case .Downgrade:
                if let value = owned[c]?.removeValue(forKey: line) {
                    send(.DowngradeAckData, line: line, from: me, at: now + 5_000, data: value + 100)
                } else {
                    send(.DowngradeAck, line: line, from: me, at: now + 5_000)
                }
            default:
                break
            }
        case .home:
            let reply: MessageKind? = switch message.kind {
            case .RdShared: .DataS
            case .RdOwn: .DataEx
            case .UpgradeReq: .GntE
            case .WbDirty, .WbClean, .WbShared: .WbAck
            default: nil
            }
            if let reply { send(reply, line: line, from: .home(1), at: now + 100_000, data: reply.carriesData ? 1000 + line : 0) }
        case .llc:
            break
        }
    }

    func run() throws { try simulator.run() }
    /// Messages of `kind` delivered, in arrival order.
    func delivered(_ kind: MessageKind) -> [(time: Tick, message: CoherenceMessage)] {
        delivered.filter { $0.message.kind == kind }
    }
}

@Suite struct SocketLLCTests {
    @Test func aHitIsAnsweredWithoutTheHome() throws {
        // Core 1's read arrives at 1,020 ns, is accepted at once, and its Data leaves 10 ns
        // later: it reaches the core at 1,050 ns, with the value the first miss brought.
        let b = LLCBench()
        b.send(.GetS, line: 5, from: .core(0), at: 0)
        b.send(.GetS, line: 5, from: .core(1), at: 1_000_000)
        try b.run()
        #expect(b.llc.requests == 2 && b.llc.misses == 1, "\(b.llc.requests) requests, \(b.llc.misses) misses")
        #expect(b.delivered(.RdShared).count == 1, "only the miss went to the home")
        let hit = b.delivered(.Data).first { $0.message.destination == .core(1) }!
        #expect(hit.time == 1_050_000 && hit.message.data == 1005, "Data at \(hit.time) ps, value \(hit.message.data)")
        #expect(b.llc.controller.state(5) == .S && b.llc.controller.lines[5]?.sharers == 0b11)
    }

    @Test func aMissGoesToTheHome() throws {
        // GetM arrives at 20 ns; RdOwn leaves at 30 ns and reaches the home at 50 ns, whose
        // DataEx (at 150 ns) reaches the LLC at 170 ns; DataM and CmpAck leave at 180 ns.
        let b = LLCBench()
        b.send(.GetM, line: 7, from: .core(0), at: 0)
        try b.run()
        let request = b.delivered(.RdOwn).first!
        #expect(request.time == 50_000 && request.message.destination == .home(1) && request.message.source == .llc(0))
        let grant = b.delivered(.DataM).first!
        #expect(grant.time == 200_000 && grant.message.destination == .core(0) && grant.message.data == 1007,
                "DataM at \(grant.time) ps, value \(grant.message.data)")
        #expect(b.delivered(.CmpAck).map(\.time) == [200_000])
        #expect(b.llc.misses == 1 && b.llc.controller.state(7) == .E && b.llc.tags.find(7) >= 0)
        #expect(b.llc.controller.lines[7]?.owner == 0)
    }

    @Test(arguments: [0, 1])
    func aReplacementBackInvalidatesTheCoresFirst(writebackBuffer: Int) throws {
        // One set of one way: core 1's read of line 1 needs line 0's way, which core 0 owns
        // (it wrote 1100). The LLC invalidates core 0's copy, then writes the line back; the
        // read goes to the home once the way is free: after the WbAck without a writeback
        // buffer, as soon as line 0 moves to the buffer with one.
        let b = LLCBench(sets: 1, ways: 1, writebackBuffer: writebackBuffer)
        b.send(.GetM, line: 0, from: .core(0), at: 0)
        b.send(.GetS, line: 1, from: .core(1), at: 1_000_000)
        try b.run()
        #expect(b.llc.replacements == 1 && b.llc.wayWaits == 1, "\(b.llc.replacements) replacements, \(b.llc.wayWaits) way waits")
        let inv = b.delivered(.Inv).first!, writeback = b.delivered(.WbDirty).first!
        #expect(inv.message.line == 0 && inv.message.destination == .core(0))
        #expect(writeback.message.line == 0 && writeback.message.data == 1100 && writeback.time > inv.time,
                "the write-back carries the core's data and follows its invalidation")
        let read = b.delivered(.RdShared).first!, ack = b.delivered(.WbAck).first!
        #expect(read.message.line == 1)
        if writebackBuffer == 0 {
            #expect(read.time > ack.time, "RdShared at \(read.time) ps, WbAck at \(ack.time) ps")
        } else {
            #expect(read.time < ack.time, "RdShared at \(read.time) ps, WbAck at \(ack.time) ps")
        }
        #expect(b.llc.tags.find(0) < 0 && b.llc.tags.find(1) >= 0 && b.llc.controller.state(0) == .I)
        #expect(b.owned[0]?[0] == nil && b.llc.writebackBuffer.isEmpty)
    }

    @Test(arguments: [(MessageKind.SnpInv, MessageKind.Inv, MessageKind.RspIWb, LLCProtocol.State.I),
                      (.SnpData, .Downgrade, .RspSWb, .S)])
    func aSnoopFromTheHomeReachesTheOwningCore(snoop: MessageKind, toCore: MessageKind, response: MessageKind,
                                               after: LLCProtocol.State) throws {
        // Core 0 owns line 3 and wrote 1103; the home's snoop is passed to it, and its data
        // goes home in the response.
        let b = LLCBench()
        b.send(.GetM, line: 3, from: .core(0), at: 0)
        b.send(snoop, line: 3, from: .home(1), at: 1_000_000)
        try b.run()
        let forwarded = b.delivered(toCore).first!, answer = b.delivered(response).first!
        #expect(forwarded.message.destination == .core(0) && forwarded.time > 1_000_000)
        #expect(answer.message.destination == .home(1) && answer.message.data == 1103 && answer.time > forwarded.time,
                "\(response) at \(answer.time) ps with \(answer.message.data)")
        #expect(b.llc.controller.state(3) == after && (b.llc.tags.find(3) >= 0) == (after != .I))
        #expect(b.llc.requests == 1 && b.llc.misses == 1, "a snoop is not a core request")
    }
}
