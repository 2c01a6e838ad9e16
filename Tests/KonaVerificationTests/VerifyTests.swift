import Testing
import KonaProtocol
@testable import KonaVerification

/// `konasim verify`'s explorer: the default tables pass on small systems, each broken table is
/// caught with a counterexample, and the search's machinery (threads, the partial-order
/// reduction, the bound on operations, the livelock check) does what it claims. (The test
/// command also runs `konasim verify` on every default variant, 2 x 2 and 3 x 1, in a release
/// build.)
@Suite struct VerifyTests {
    private func configuration(_ home: ProtocolExplorer.Home = .cpu, agents: Int = 2, addresses: Int = 1) -> ProtocolExplorer.Configuration {
        var c = ProtocolExplorer.Configuration()
        c.agents = agents
        c.addresses = addresses
        c.home = home
        return c
    }

    /// The home whose table a breakage alters.
    private func home(_ breakage: ProtocolBreakage) -> ProtocolExplorer.Home {
        breakage.needsNonInclusiveFPGAHome ? .fpgaNonInclusive : breakage.needsFPGAHome ? .fpga : .cpu
    }

    /// A non-inclusive FMem's one block, evicted at any moment, releases the held lines: the
    /// tables pass on two sockets and one line with every interleaving of three operations
    /// (the fewest that reach the three release rows; the test command explores 2 x 1 whole,
    /// in a release build), and the release rows are reached.
    @Test func theNonInclusiveFPGATablePassesAndReachesItsReleaseRows() {
        var c = configuration(.fpgaNonInclusive)
        c.operations = 3
        let r = ProtocolExplorer(c).run()
        #expect(r.violation == nil, "\(r.violation.map(\.description) ?? "")")
        #expect(r.states > 1_000 && !r.truncated && r.livelock == .passed(operations: 2), "\(r.states) states")
        let fpga = r.coverage.first { $0.table == "fpga_noninclusive" }
        #expect(fpga != nil)
        for row in ["S x Release", "EM x Release", "EM x WbOwnerDirty_Released"] {
            #expect(fpga?.unreached.contains(row) == false, "\(row) never reached")
        }
    }

    @Test func theDefaultTablesPassOnTwoSocketsAndOneLine() {
        let r = ProtocolExplorer(configuration()).run()
        #expect(r.violation == nil, "\(r.violation.map(\.description) ?? "")")
        #expect(r.states > 1000 && !r.truncated)
        #expect(r.coverage.first { $0.table == "core" }?.unreached.isEmpty == true, "every core row is reachable with one core per socket")
        #expect(r.livelock == .passed(operations: 2))
    }

    /// Each named breakage (the same ones SPIN is given by `scripts/spin-check`) is caught,
    /// with a counterexample from the initial state.
    @Test(arguments: ProtocolBreakage.allCases)
    func aBrokenTableIsCaught(_ breakage: ProtocolBreakage) {
        var c = configuration(home(breakage))
        c.tables = breakage.tables(c.variant)
        let r = ProtocolExplorer(c).run()
        #expect(r.violation != nil && !(r.violation?.trace.isEmpty ?? true), "\(breakage.rawValue) was not caught")
        if breakage == .recallDropsData || breakage == .releasedWritebackDropsData {
            #expect(r.violation?.trace.contains { $0.event.contains("evicting") } == true, "the trace shows the eviction")
        }
    }

    /// The same breakages on two lines, under the partial-order reduction and a bound on
    /// operations: still caught.
    @Test(arguments: ProtocolBreakage.allCases)
    func aBrokenTableIsCaughtOnTwoLinesWithTheReduction(_ breakage: ProtocolBreakage) {
        var c = configuration(home(breakage), addresses: 2)
        c.operations = breakage == .evictForgetsSharer ? 4 : 3     // the fewest that show each
        c.tables = breakage.tables(c.variant)
        let r = ProtocolExplorer(c).run()
        #expect(r.violation != nil, "\(breakage.rawValue) was not caught on 2 x 2")
    }

    /// More threads change the time, not the result.
    @Test func threadsDoNotChangeTheResult() {
        var c = configuration(.fpga, addresses: 2)
        c.operations = 3
        let one = ProtocolExplorer(c).run()
        c.jobs = 3
        let three = ProtocolExplorer(c).run()
        #expect(one.violation == nil && three.violation == nil)
        #expect(one.states == three.states && one.transitions == three.transitions && one.depth == three.depth
                && one.reducedStates == three.reducedStates)
        #expect(one.coverage.map(\.reached) == three.coverage.map(\.reached))
    }

    /// The reduction explores fewer states and transitions and reaches the same verdict and
    /// the same table rows.
    @Test(arguments: [ProtocolExplorer.Home.cpu, .fpga])
    func theReductionKeepsTheVerdictWithFewerStates(_ home: ProtocolExplorer.Home) {
        var c = configuration(home, agents: 2, addresses: 2)
        c.operations = 3
        let reduced = ProtocolExplorer(c).run()
        c.reduction = false
        let full = ProtocolExplorer(c).run()
        #expect(reduced.violation == nil && full.violation == nil)
        #expect(reduced.reducedStates > 0 && full.reducedStates == 0)
        #expect(reduced.states < full.states && reduced.transitions < full.transitions)
        #expect(reduced.coverage.map(\.reached) == full.coverage.map(\.reached))
    }

    /// With a bound, every interleaving of that many operations runs to quiescence: one
    /// operation on one line is a single load, store or eviction and the messages it causes.
    @Test func aBoundOnOperationsIsExhaustiveWithinIt() {
        var c = configuration(agents: 1)
        c.operations = 1
        let one = ProtocolExplorer(c).run()
        #expect(one.violation == nil && !one.truncated)
        // The initial state, a load (GetS, RdShared, DataEx, DataE, CmpAck/Unblock...) and a
        // store take a handful of states each; an unbounded run takes far more.
        #expect(one.states > 5 && one.states < 60, "\(one.states) states")
        c.operations = 2
        let two = ProtocolExplorer(c).run()
        #expect(two.states > one.states)
    }

    /// The livelock check on a hand-made graph: an operation pending in a cycle with no way
    /// out can never complete; a way out (an edge to a state where it is done, through a
    /// renumbering of the agents) clears it.
    @Test func anOperationThatCanNeverCompleteIsFound() {
        var g = ProtocolExplorer.Graph()
        // 0: nothing pending; 1, 2: agent 0's operation pending; 1 -> 2 -> 1 and 0 -> 1.
        g.pending = [0, 0b01, 0b01, 0b00]
        for (a, b) in [(0, 1), (1, 2), (2, 1)] { g.addEdge(from: a, to: b, permutation: 0) }
        let inverses = [[0, 1], [1, 0]]          // each renumbering of two agents is its own inverse
        #expect(ProtocolExplorer.livelock(g, agents: 2, lines: 1, inverses: inverses)! == (1, 0))
        // 2 -> 3 renumbers agent 0 as agent 1, whose operation is not pending in 3: a way out.
        g.addEdge(from: 2, to: 3, permutation: 1)
        #expect(ProtocolExplorer.livelock(g, agents: 2, lines: 1, inverses: inverses) == nil)
        // In 3 agent 1's operation pending instead: agent 0 of state 2 is still stuck.
        g.pending[3] = 0b10
        #expect(ProtocolExplorer.livelock(g, agents: 2, lines: 1, inverses: inverses)! == (1, 0))
    }

    /// The reduction's premise is checked on every step: a step on one line that changes
    /// another line's part of the state is noticed.
    @Test func aStepThatTouchesAnotherLineIsNoticed() {
        var before = ExplorerState(agents: 2, lines: 2)
        var after = before
        after.core[0] = 1                                    // line 0, agent 0
        #expect(after.sameExcept(line: 0, as: before))
        #expect(!after.sameExcept(line: 1, as: before))
        before.openChannel()
        before.send(ExplorerState.Message(kind: 0, source: 0, destination: 8, line: 1, channel: 0, value: 0))
        #expect(!after.sameExcept(line: 0, as: before), "a message of line 1 appeared")
    }

    /// The symmetry reduction's premise: the agents are interchangeable, so renumbering a state
    /// renumbers its successors. For the first states of 3 x 1 with the FPGA home (every
    /// recall included) and of 2 x 2 with the CPU home, each renumbering of each state has the
    /// same canonical successors. (A recall once kept the line's last requester, so the FPGA's
    /// recall states depended on how the agents were numbered.)
    @Test(arguments: [(3, 1, ProtocolExplorer.Home.fpga), (2, 2, .cpu)])
    func renumberingAStateRenumbersItsSuccessors(_ shape: (agents: Int, lines: Int, home: ProtocolExplorer.Home)) {
        var c = ProtocolExplorer.Configuration()
        (c.agents, c.addresses, c.home, c.operations) = (shape.agents, shape.lines, shape.home, 5)
        let w = ExplorerWorker(c)
        func successors(_ bytes: [UInt8]) -> Set<[UInt8]> {
            w.load(bytes[...])
            let actions = w.enabled()
            return Set(actions.map { action in
                w.load(bytes[...])
                return w.take(action) == nil ? w.canonical().bytes : [0xff]
            })
        }
        var states = [w.initialState()], seen = Set(states), asymmetric = 0, next = 0
        while next < states.count && next < 1_500 {
            let state = states[next]
            next += 1
            let mine = successors(state)
            for child in mine where seen.insert(child).inserted { states.append(child) }
            let s = ExplorerState(decoding: state, agents: c.agents, lines: c.addresses)
            for (p, inverse) in zip(w.permutations, w.inverses) {
                var renumbered: [UInt8] = []
                s.encode(p, inverse, into: &renumbered)
                if successors(renumbered) != mine { asymmetric += 1 }
            }
        }
        #expect(next == 1_500 && asymmetric == 0, "\(asymmetric) renumbered states of \(next) with other successors")
    }

    /// The visited set numbers states in the order found, knows each one's parent and step,
    /// and keeps them all as it grows past its first table.
    @Test func visitedStatesNumberAndRemember() {
        var visited = VisitedStates()
        #expect(visited.insert(0, parent: 0, action: 0) == (0, true), "a hash of 0 is a state like any other")
        for k in 1..<200_000 {
            let hash = UInt64(k) &* 0x9E37_79B9_7F4A_7C15
            #expect(visited.insert(hash, parent: k / 2, action: k % 7) == (k, true))
        }
        #expect(visited.insert(UInt64(1234) &* 0x9E37_79B9_7F4A_7C15, parent: 9, action: 9) == (1234, false))
        #expect(visited.count == 200_000 && visited.number(of: 0) == 0 && visited.contains(UInt64(199_999) &* 0x9E37_79B9_7F4A_7C15))
        #expect(visited.parent[1234] == 617 && visited.action[1234] == 1234 % 7)
        #expect(!visited.contains(0xdead_beef))
    }

    /// States encode and decode to themselves, and renumbering the agents is undone by the
    /// inverse renumbering.
    @Test func encodingRoundTrips() {
        var s = ExplorerState(agents: 2, lines: 2)
        s.core[1 * 2 * ExplorerState.coreFields + 2] = 3     // line 1, agent 0: core1's pending store value
        s.home[1] = 0b10
        s.park(ExplorerState.Message(kind: 1, source: 1, destination: 9, line: 0, channel: 0, value: 2), in: s.llcSlot(line: 0, agent: 0))
        s.park(ExplorerState.Message(kind: 2, source: 16, destination: 8, line: 1, channel: UInt8(MessageKind(rawValue: 2)!.channel.rawValue), value: 1),
               in: s.homeSlot(line: 1))
        s.openChannel()
        s.send(ExplorerState.Message(kind: 3, source: 8, destination: 16, line: 1, channel: 0, value: 0))
        var bytes: [UInt8] = []
        s.encode([0, 1], [0, 1], into: &bytes)
        #expect(ExplorerState(decoding: bytes, agents: 2, lines: 2) == s)
        var swapped: [UInt8] = []
        s.encode([1, 0], [1, 0], into: &swapped)
        var back: [UInt8] = []
        ExplorerState(decoding: swapped, agents: 2, lines: 2).encode([1, 0], [1, 0], into: &back)
        #expect(back == bytes)
    }
}
