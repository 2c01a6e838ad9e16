import KonaProtocol

/// Named, deliberate protocol bugs: each alters a few rows of the correct tables so that a
/// verifier (the SPIN model of `konasim protocol --format promela --break NAME`, the
/// explicit-state explorer of `konasim verify`) can show it catches them. One place, so
/// both verifiers break the protocol the same way.
public enum ProtocolBreakage: String, CaseIterable, Sendable {
    /// The LLC answers a home SnpInv on a shared line at once (RspI) instead of after its
    /// cores' invalidation acks: the home grants another socket ownership while a core
    /// still reads the line.
    case noInvAckWait = "no-inv-ack-wait"
    /// The home's dirty-writeback row keeps the writer listed as the owner (and the line EM).
    case wbKeepsOwner = "wb-keeps-owner"
    /// The LLC acknowledges a sharing core's PutS without removing its core-valid bit.
    case evictForgetsSharer = "evict-forgets-sharer"
    /// FPGA home: a recalled owner's dirty data is not written to FMem before the block
    /// goes to remote memory.
    case recallDropsData = "recall-drops-data"
    /// FPGA home, non-inclusive FMem: an owner's dirty writeback while the line's block is out
    /// of FMem is acknowledged but never reaches remote memory.
    case releasedWritebackDropsData = "released-writeback-drops-data"

    /// What is broken, in one line.
    public var doc: String {
        switch self {
        case .noInvAckWait: "llc (S, SnpInv) sends RspI together with the invalidations; (SSNP_I, LastAck) only deallocates"
        case .wbKeepsOwner: "home (EM, WbOwnerDirty) writes memory and acks but keeps the owner (stays EM)"
        case .evictForgetsSharer: "llc (S, PutSharer) acks the PutS but keeps the core's core-valid bit"
        case .recallDropsData: "fpga (EM_R, LastRspIData) clears the owner and reports the line recalled without writing memory"
        case .releasedWritebackDropsData: "fpga_noninclusive (EM, WbOwnerDirty_Released) clears the owner and acks without writing remote memory"
        }
    }

    /// Whether the breakage is only in the FPGA home's table (needs `--home fpga` to show).
    public var needsFPGAHome: Bool { self == .recallDropsData }
    /// Whether the breakage is only in the non-inclusive FPGA table (needs `--home fpga_non_inclusive`).
    public var needsNonInclusiveFPGAHome: Bool { self == .releasedWritebackDropsData }

    /// The tables for `variant` with this breakage. Every altered row exists in every variant
    /// (a precondition checks it), though a variant may never reach it (PutS is sent only
    /// with notified clean evictions).
    public func tables(_ variant: ProtocolVariant) -> ProtocolTables {
        var t = ProtocolTables(variant)
        func llc(_ s: LLCProtocol.State, _ e: LLCProtocol.Event, _ a: [LLCProtocol.Action], _ n: LLCProtocol.State) {
            precondition(t.llc.row(s, e) != nil, "\(rawValue): llc has no row (\(s.name), \(e.name))")
            t.llc = t.llc.replacing(s, e, actions: a, next: n)
        }
        func home(_ s: HomeProtocol.State, _ e: HomeProtocol.Event, _ a: [HomeProtocol.Action], _ n: HomeProtocol.State,
                  cpu: Bool = true) {
            precondition(t.fpga.row(s, e) != nil, "\(rawValue): fpga has no row (\(s.name), \(e.name))")
            if cpu { t.home = t.home.replacing(s, e, actions: a, next: n) }
            t.fpga = t.fpga.replacing(s, e, actions: a, next: n)
            if t.fpgaNonInclusive.row(s, e) != nil { t.fpgaNonInclusive = t.fpgaNonInclusive.replacing(s, e, actions: a, next: n) }
        }
        switch self {
        case .noInvAckWait:
            llc(.S, .SnpInv, [.invalidateAll, .sendRspI], .SSNP_I)
            llc(.SSNP_I, .LastAck, [.deallocate], .I)
        case .wbKeepsOwner:
            home(.EM, .WbOwnerDirty, [.writeMemory, .sendWbAck], .EM)
        case .evictForgetsSharer:
            llc(.S, .PutSharer, [.sendPutAck], .S)
        case .recallDropsData:
            home(.EM_R, .LastRspIData, [.clearOwner, .recalled], .I, cpu: false)
        case .releasedWritebackDropsData:
            t.fpgaNonInclusive = t.fpgaNonInclusive.replacing(.EM, .WbOwnerDirty_Released, actions: [.clearOwner, .sendWbAck], next: .I)
        }
        return t
    }
}
