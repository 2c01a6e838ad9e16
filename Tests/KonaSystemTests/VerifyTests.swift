import Testing
import KonaProtocol
@testable import KonaSystem

/// `konasim verify`'s explorer: the default tables pass on a small system, and each broken
/// table is caught with a counterexample. (The test command also runs `konasim verify` on every
/// default variant with either home, in a release build.)
@Suite struct VerifyTests {
    private func explore(_ home: ProtocolExplorer.Home = .cpu, agents: Int = 2, addresses: Int = 1) -> ProtocolExplorer.Report {
        var c = ProtocolExplorer.Configuration()
        c.agents = agents
        c.addresses = addresses
        c.home = home
        return ProtocolExplorer(c).run()
    }

    @Test func theDefaultTablesPassOnTwoSocketsAndOneLine() {
        let r = explore()
        #expect(r.violation == nil, "\(r.violation.map(\.description) ?? "")")
        #expect(r.states > 1000 && !r.truncated)
        #expect(r.coverage.first { $0.table == "core" }?.unreached.isEmpty == true, "every core row is reachable with one core per socket")
    }

    /// Each named breakage (the same ones SPIN is given by `scripts/spin-check`) is caught,
    /// with a counterexample from the initial state.
    @Test(arguments: ProtocolBreakage.allCases)
    func aBrokenTableIsCaught(_ breakage: ProtocolBreakage) {
        var c = ProtocolExplorer.Configuration()
        c.home = breakage.needsFPGAHome ? .fpga : .cpu
        c.addresses = 1
        c.tables = breakage.tables(c.variant)
        let r = ProtocolExplorer(c).run()
        #expect(r.violation != nil && !(r.violation?.trace.isEmpty ?? true), "\(breakage.rawValue) was not caught")
        if breakage == .recallDropsData {
            #expect(r.violation?.trace.contains { $0.event.contains("evicting") } == true, "the trace shows the eviction")
        }
    }
}
