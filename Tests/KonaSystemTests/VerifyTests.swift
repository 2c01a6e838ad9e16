import Testing
import KonaProtocol
@testable import KonaSystem

/// `konasim verify`'s explorer: the default tables pass on a small system, and each broken
/// table is caught with a counterexample.
@Suite struct VerifyTests {
    private func explore(_ home: ProtocolExplorer.Home = .cpu, agents: Int = 2, addresses: Int = 1,
                         ordering: ProtocolExplorer.Ordering = .fifo,
                         breaking: (inout ProtocolExplorer.Tables) -> Void = { _ in }) -> ProtocolExplorer.Report {
        var c = ProtocolExplorer.Configuration()
        c.agents = agents
        c.addresses = addresses
        c.home = home
        c.ordering = ordering
        var tables = ProtocolExplorer.Tables.of(c.variant, home: home)
        breaking(&tables)
        c.tables = tables
        return ProtocolExplorer(c).run()
    }

    @Test func theDefaultTablesPassOnTwoSocketsAndOneLine() {
        let r = explore()
        #expect(r.violation == nil, "\(r.violation.map(\.description) ?? "")")
        #expect(r.states > 1000 && !r.truncated)
        #expect(r.coverage.first { $0.table == "core" }?.unreached.isEmpty == true, "every core row is reachable with one core per socket")
    }

    @Test func theFPGAHomeWithEvictionsPasses() {
        let r = explore(.fpga)
        #expect(r.violation == nil, "\(r.violation.map(\.description) ?? "")")
        let fpga = r.coverage.first { $0.table == "fpga" }
        #expect(fpga != nil && !(fpga!.unreached.contains("S x Recall")) && !(fpga!.unreached.contains("EM x Recall")))
    }

    @Test func aMissingWaitForInvalidationAcksIsCaught() {
        // The home grants a write while the other sharer's invalidation is still in flight.
        let r = explore { t in t.home = t.home.replacing(.S, .RdOwn_Shared, actions: [.snoopInvSharers, .readMemory, .grantE], next: .EM_C) }
        #expect(r.violation != nil && !(r.violation?.trace.isEmpty ?? true))
    }

    @Test func aWritebackThatKeepsOwnershipIsCaught() {
        // The home takes a dirty writeback but still records the socket as its owner.
        let r = explore { t in t.home = t.home.replacing(.EM, .WbOwnerDirty, actions: [.writeMemory, .sendWbAck], next: .EM) }
        #expect(r.violation != nil && !(r.violation?.trace.isEmpty ?? true))
    }

    @Test func anEvictionThatForgetsASharerIsCaught() {
        // The LLC evicts a shared line without back-invalidating its core: the core keeps a
        // copy the home no longer knows of, and another socket may then write.
        // (Caught when the core's copy reaches the LLC that forgot it: no row for its PutE.)
        let r = explore { t in t.llc = t.llc.replacing(.S, .Replace, actions: [.sendWbShared], next: .SI_A) }
        #expect(r.violation != nil, "\(r.violation?.description ?? "none")")
        #expect(r.violation?.trace.contains { $0.event.contains("replaces") } == true)
    }

    @Test func aRecallThatDropsDirtyDataIsCaught() {
        let r = explore(.fpga) { t in t.home = t.home.replacing(.EM_R, .LastRspIData, actions: [.clearOwner, .recalled], next: .I) }
        let v = r.violation
        #expect(v?.problem.contains("stale") == true, "\(v?.problem ?? "none")")
        #expect(v?.trace.contains { $0.event.contains("evicting") } == true, "the trace shows the eviction: \(v?.description ?? "")")
    }
}
