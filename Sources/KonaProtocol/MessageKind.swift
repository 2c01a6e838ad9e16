/// Every message of the two coherence levels: core complex <-> socket LLC, and caching
/// agent (LLC) <-> home agent, in the spirit of UPI / CXL.cache.
public enum MessageKind: Int, Sendable, CaseIterable {
    // Core complex -> LLC
    case GetS, GetM, Upgrade, PutM, PutE, PutS
    case InvAck, InvAckData, DowngradeAck, DowngradeAckData, Unblock
    // LLC -> core complex
    case Data, DataE, DataM, GntM, PutAck, Inv, Downgrade
    // LLC (caching agent) -> home
    case RdShared, RdOwn, UpgradeReq, WbDirty, WbClean, WbShared
    case RspI, RspIWb, RspS, RspSWb, CmpAck
    // Home -> LLC
    case DataS, DataEx, GntE, WbAck, SnpInv, SnpData

    /// The channel it travels on.
    public var channel: Channel {
        switch self {
        case .GetS, .GetM, .Upgrade, .PutM, .PutE, .PutS, .RdShared, .RdOwn, .UpgradeReq, .WbDirty, .WbClean, .WbShared:
            .request
        case .Inv, .Downgrade, .SnpInv, .SnpData:
            .snoop
        case .InvAck, .DowngradeAck, .Unblock, .GntM, .PutAck, .RspI, .RspS, .CmpAck, .GntE, .WbAck:
            .response
        case .InvAckData, .DowngradeAckData, .Data, .DataE, .DataM, .RspIWb, .RspSWb, .DataS, .DataEx:
            .data
        }
    }

    /// Whether it carries a 64-byte line (header + data) or only a header.
    public var carriesData: Bool {
        switch self {
        case .PutM, .InvAckData, .DowngradeAckData, .Data, .DataE, .DataM, .WbDirty, .RspIWb, .RspSWb, .DataS, .DataEx:
            true
        default:
            false
        }
    }

    /// One-line meaning.
    public var doc: String {
        switch self {
        case .GetS: "core read miss: asks the LLC for a readable copy"
        case .GetM: "core write miss: asks for an exclusive copy with data"
        case .Upgrade: "core holds S and wants to write: asks for ownership without data"
        case .PutM: "core evicts a dirty line (carries the data)"
        case .PutE: "core evicts a clean exclusive line (notified clean eviction)"
        case .PutS: "core evicts a shared line (notified clean eviction)"
        case .InvAck: "core dropped its copy (clean)"
        case .InvAckData: "core dropped its dirty copy (carries the data)"
        case .DowngradeAck: "core kept a shared copy (clean)"
        case .DowngradeAckData: "core kept a shared copy of dirty data (carries the data)"
        case .Unblock: "core received its grant: the LLC may serve the line again"
        case .Data: "LLC grants a shared copy"
        case .DataE: "LLC grants an exclusive clean copy"
        case .DataM: "LLC grants ownership with data"
        case .GntM: "LLC grants ownership to a core that still holds the data"
        case .PutAck: "LLC acknowledges a core eviction"
        case .Inv: "LLC invalidates a core's copy (back-invalidation or snoop)"
        case .Downgrade: "LLC asks the owning core to keep only a shared copy"
        case .RdShared: "socket read miss: read-shared to the home"
        case .RdOwn: "socket write miss: read-for-ownership to the home"
        case .UpgradeReq: "socket holds S and wants ownership"
        case .WbDirty: "socket evicts a dirty line (carries the data)"
        case .WbClean: "socket evicts a clean exclusive line (notified clean eviction)"
        case .WbShared: "socket evicts a shared line (notified clean eviction)"
        case .RspI: "snoop response: socket no longer holds the line, clean"
        case .RspIWb: "snoop response: socket gave up dirty data (carries it)"
        case .RspS: "snoop response: socket kept a shared copy, clean"
        case .RspSWb: "snoop response: socket kept a shared copy of dirty data (carries it)"
        case .CmpAck: "socket received its grant: the home may serve the line again"
        case .DataS: "home grants a shared copy"
        case .DataEx: "home grants an exclusive copy (for a read or a read-for-ownership)"
        case .GntE: "home grants ownership to a socket that still holds the data (completion)"
        case .WbAck: "home acknowledges a writeback or eviction notice (completion)"
        case .SnpInv: "home asks a socket to invalidate (returning dirty data)"
        case .SnpData: "home asks the owning socket to downgrade to shared (returning dirty data)"
        }
    }
}
