import KonaProtocol

/// Named, deliberate bugs in the CXL tables, each of which `konasim verify --home cxl
/// --break NAME` must catch.
public enum CXLBreakage: String, CaseIterable, Sendable {
    /// A host back-invalidated in E drops its copy without answering: the device waits for a
    /// BIRsp that never comes.
    case droppedBIRsp = "dropped-birsp"
    /// The device takes a BIConflict and sends no BIConflictAck: the host holds the snoop
    /// forever.
    case missingConflictAck = "missing-conflict-ack"
    /// A host answers a BISnpInv on a modified line at once, without writing the dirty data
    /// back first.
    case snoopDropsDirtyData = "snoop-drops-dirty-data"
    /// The device frees a stable entry (for its capacity or an FMem eviction) without
    /// back-invalidating the hosts that hold the line.
    case evictSkipsBISnp = "evict-skips-bisnp"

    /// What is broken, in one line.
    public var doc: String {
        switch self {
        case .droppedBIRsp: "cxl-host (E, BISnpInv) drops the copy and sends no BIRspI"
        case .missingConflictAck: "cxl-device (B_*, BIConflict) sends no BIConflictAck"
        case .snoopDropsDirtyData: "cxl-host (M, BISnpInv) answers BIRspI at once, dropping the dirty line"
        case .evictSkipsBISnp: "cxl-device (S, Evict) and (E, Evict) free the entry at once, sending no BISnpInv"
        }
    }

    /// The tables with this breakage.
    public var tables: CXLTables {
        var t = CXLTables()
        switch self {
        case .droppedBIRsp:
            t.host = t.host.replacing(.E, .BISnpInv, actions: [.dropCopy], next: .I)
        case .missingConflictAck:
            for state: CXLDeviceProtocol.State in [.B_I, .B_M, .B_S, .B_W, .B_C] {
                t.device = t.device.replacing(state, .BIConflict, actions: [], next: state)
            }
        case .snoopDropsDirtyData:
            t.host = t.host.replacing(.M, .BISnpInv, actions: [.dropCopy, .sendBIRspI], next: .I)
        case .evictSkipsBISnp:
            for state: CXLDeviceProtocol.State in [.S, .E] {
                t.device = t.device.replacing(state, .Evict, actions: [.clearEntry, .recalled], next: .I)
            }
        }
        return t
    }
}
