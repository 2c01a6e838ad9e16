import Testing
@testable import KonaHardware
import KonaProtocol

/// A tiny coherent system whose messages are delivered only when a test says so, in the
/// order the test picks: the way to stage a race exactly.
final class ScriptedFabric: CoherenceNetwork {
    var inFlight: [CoherenceMessage] = []
    var log: [String] = []
    var cores: [CoreComplexController] = []
    var llcs: [LLCController] = []
    var home: DirectoryController!
    var values: [Int: UInt64] = [:]            // last value each core's operation saw or wrote

    init(sockets: Int = 1, coresPerSocket: Int = 2, variant: ProtocolVariant = ProtocolVariant()) {
        home = DirectoryController(index: 0, table: HomeProtocol.table(variant), network: self)
        for s in 0..<sockets {
            llcs.append(LLCController(socket: s, firstCore: s * coresPerSocket, cores: coresPerSocket,
                                      table: LLCProtocol.table(variant), network: self, homeOf: { _ in .home(0) }))
            for k in 0..<coresPerSocket {
                let core = CoreComplexController(index: s * coresPerSocket + k, llc: .llc(s),
                                                 table: CoreComplexProtocol.table(variant), network: self)
                let c = core.index
                core.onComplete = { [unowned self] _, _, value in self.values[c] = value }
                cores.append(core)
            }
        }
    }

    func send(_ message: CoherenceMessage) {
        inFlight.append(message)
        log.append("send \(message.kind) \(message.source)->\(message.destination)")
    }

    /// Delivers the first message in flight of `kind` (optionally to `destination`, from `source`).
    func deliver(_ kind: MessageKind, to destination: Endpoint? = nil, from source: Endpoint? = nil) throws {
        guard let i = inFlight.firstIndex(where: {
            $0.kind == kind && (destination == nil || $0.destination == destination!) && (source == nil || $0.source == source!)
        }) else {
            Issue.record("no \(kind) in flight to \(destination.map { "\($0)" } ?? "anyone"); in flight: \(inFlight.map { "\($0.kind)" })")
            return
        }
        let m = inFlight.remove(at: i)
        log.append("deliver \(m.kind) \(m.source)->\(m.destination)")
        switch m.destination {
        case .core(let c): try cores[c].receive(m)
        case .llc(let s): try llcs[s].receive(m)
        case .home: try home.receive(m)
        }
    }

    /// Delivers everything in flight, oldest first, until nothing is left.
    func drain() throws {
        while let m = inFlight.first { try deliver(m.kind, to: m.destination) }
    }

    func holds(_ kind: MessageKind, to destination: Endpoint) -> Bool {
        inFlight.contains { $0.kind == kind && $0.destination == destination }
    }
}

let L: UInt64 = 3

@Suite struct RaceTests {
    @Test func aWritebackCrossingASnoop() throws {
        let f = ScriptedFabric()
        try f.cores[0].store(L, value: 10); try f.drain()                   // core0 owns L, dirty
        try f.cores[0].evict(L)                                             // PutM(10) in flight...
        #expect(f.cores[0].state(L) == .MI_A && f.holds(.PutM, to: .llc(0)))
        try f.cores[1].store(L, value: 20)
        try f.deliver(.GetM, to: .llc(0))                                   // ...and the LLC snoops core0 first
        try f.deliver(.Inv, to: .core(0))
        #expect(f.cores[0].state(L) == .II_A, "the copy goes with the ack; the PutM is now stale")
        try f.deliver(.InvAckData, to: .llc(0))
        try f.deliver(.DataM, to: .core(1))
        #expect(f.values[1] == 20 && f.cores[1].lines[L]?.data == 20)
        try f.deliver(.Unblock, to: .llc(0))
        try f.deliver(.PutM, to: .llc(0))                                   // the stale writeback arrives last
        try f.drain()
        #expect(f.cores[0].state(L) == .I && f.cores[1].state(L) == .M)
        #expect(f.llcs[0].state(L) == .M && f.llcs[0].lines[L]?.owner == 1)
    }

    @Test func anUpgradeLosingToAnotherCoresReadForOwnership() throws {
        let f = ScriptedFabric(coresPerSocket: 3)
        try f.cores[0].load(L); try f.drain()
        try f.cores[2].load(L); try f.drain()                               // core0 and core2 share L
        try f.cores[0].store(L, value: 1)                                   // core0's Upgrade, held
        #expect(f.cores[0].state(L) == .SM_A)
        try f.cores[1].store(L, value: 2)                                   // core1's GetM goes first
        try f.deliver(.GetM, to: .llc(0))                                   // the socket is exclusive: the LLC invalidates
        try f.deliver(.Inv, to: .core(0))
        #expect(f.cores[0].state(L) == .IM_AD, "the upgrade lost its copy: it now needs data")
        try f.deliver(.Inv, to: .core(2))
        try f.deliver(.InvAck, to: .llc(0)); try f.deliver(.InvAck, to: .llc(0))
        try f.deliver(.DataM, to: .core(1)); try f.deliver(.Unblock, to: .llc(0))
        #expect(f.cores[1].state(L) == .M && f.values[1] == 2)
        try f.deliver(.Upgrade, to: .llc(0))                                // now treated as a read-for-ownership
        try f.drain()
        #expect(f.cores[0].state(L) == .M && f.cores[0].lines[L]?.data == 1, "core0 wrote after core1")
        #expect(f.cores[1].state(L) == .I && f.cores[2].state(L) == .I)
        #expect(f.log.contains("send DataM llc0->core0"), "the loser gets data, not a bare grant")
    }

    @Test func anLLCBackInvalidationCrossingACoresRequest() throws {
        let f = ScriptedFabric()
        try f.cores[0].store(L, value: 7); try f.drain()                    // core0 M, LLC E(owner core0)
        try f.llcs[0].replace(L)                                            // back-invalidation in flight
        try f.cores[1].load(L)                                              // core1's GetS crosses it
        try f.deliver(.GetS, to: .llc(0))
        #expect(f.llcs[0].parkedCount(L) == 1, "the request waits for the eviction")
        try f.deliver(.Inv, to: .core(0))
        try f.deliver(.InvAckData, to: .llc(0))                             // dirty data comes back...
        #expect(f.holds(.WbDirty, to: .home(0)), "...and goes home")
        try f.drain()
        #expect(f.cores[1].state(L) == .E || f.cores[1].state(L) == .S)
        #expect(f.values[1] == 7, "the re-fetched line carries the written-back value")
        #expect(f.home.memory[L] == 7)
    }

    @Test func twoCoresWritebacksCrossing() throws {
        let f = ScriptedFabric()
        try f.cores[0].store(L, value: 1); try f.drain()
        try f.cores[0].evict(L)                                             // PutM(1), held
        try f.cores[1].store(L, value: 2)
        try f.deliver(.GetM, to: .llc(0))
        try f.deliver(.Inv, to: .core(0))
        try f.deliver(.InvAckData, to: .llc(0))
        try f.deliver(.DataM, to: .core(1))
        try f.deliver(.Unblock, to: .llc(0))
        try f.cores[1].evict(L)                                             // PutM(2)
        try f.deliver(.PutM, to: .llc(0), from: .core(1))                   // core1's writeback first...
        #expect(f.llcs[0].state(L) == .M && f.llcs[0].lines[L]?.data == 2)
        try f.deliver(.PutM, to: .llc(0), from: .core(0))                   // ...then core0's stale one
        try f.drain()
        #expect(f.llcs[0].state(L) == .M && f.llcs[0].lines[L]?.data == 2, "the stale writeback must not overwrite")
        #expect(f.cores.allSatisfy { $0.state(L) == .I })
    }

    @Test func aSnoopWaitsWhileTheDataResponseIsInFlight() throws {
        let f = ScriptedFabric()
        try f.cores[0].store(L, value: 5)
        try f.deliver(.GetM, to: .llc(0)); try f.deliver(.RdOwn, to: .home(0))
        try f.deliver(.DataEx, to: .llc(0))                                 // LLC grants core0: DataM in flight
        #expect(f.holds(.DataM, to: .core(0)) && f.llcs[0].state(L) == .E_U)
        try f.cores[1].load(L)
        try f.deliver(.GetS, to: .llc(0))
        #expect(f.llcs[0].parkedCount(L) == 1 && !f.holds(.Downgrade, to: .core(0)),
                "no snoop is sent to a core while its grant is in flight")
        try f.deliver(.DataM, to: .core(0))
        try f.deliver(.Unblock, to: .llc(0))
        #expect(f.holds(.Downgrade, to: .core(0)), "the parked read now downgrades the owner")
        try f.drain()
        #expect(f.values[1] == 5 && f.cores[0].state(L) == .S && f.cores[1].state(L) == .S)
    }

    @Test func aStaleSnoopMeetsACoreWaitingForData() throws {
        // With silent clean eviction the LLC can still list a core that dropped its copy; a
        // snoop reaching that core while it waits for data is answered without waiting.
        let f = ScriptedFabric(variant: ProtocolVariant(grantExclusive: true, silentCleanEviction: true))
        try f.cores[0].load(L); try f.drain()
        try f.cores[1].load(L); try f.drain()                               // both S (owner downgraded)
        try f.cores[0].evict(L)                                             // silent: still listed
        try f.cores[0].load(L)                                              // GetS in flight
        try f.cores[1].store(L, value: 9)
        try f.deliver(.Upgrade, to: .llc(0))                                // the socket is exclusive: local invalidation
        try f.deliver(.Inv, to: .core(0))
        #expect(f.cores[0].state(L) == .IS_D, "answered from IS_D, still waiting for its own data")
        try f.drain()
        #expect(f.values[0] == 9, "core0's read comes after core1's write")
        #expect(f.cores[0].state(L) == .S && f.cores[1].state(L) == .S)
    }

    @Test func aSocketWritebackCrossingAHomeSnoop() throws {
        let f = ScriptedFabric(sockets: 2, coresPerSocket: 1)
        try f.cores[0].store(L, value: 3); try f.drain()                    // socket0 owns L
        try f.llcs[0].replace(L)
        try f.deliver(.Inv, to: .core(0)); try f.deliver(.InvAckData, to: .llc(0))
        #expect(f.llcs[0].state(L) == .MI_A && f.holds(.WbDirty, to: .home(0)))
        try f.cores[1].load(L)
        try f.deliver(.GetS, to: .llc(1)); try f.deliver(.RdShared, to: .home(0))
        try f.deliver(.SnpData, to: .llc(0))                                // snoop overtakes the writeback
        #expect(f.llcs[0].state(L) == .II_A && f.holds(.RspIWb, to: .home(0)))
        try f.deliver(.RspIWb, to: .home(0))
        try f.deliver(.WbDirty, to: .home(0))                               // stale now: acked, data dropped
        try f.drain()
        #expect(f.values[1] == 3 && f.home.memory[L] == 3 && f.llcs[0].state(L) == .I)
    }
}
