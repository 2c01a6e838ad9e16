/// Every CXL.mem message of a host-managed device memory range in device-coherent mode with
/// back-invalidation (HDM-DB, CXL 3.x sections 3.3.5 to 3.3.10), spelled as the
/// specification spells it (`Cmp-S` is `CmpS` here).
///
/// The fields a request carries are given per message (`metaValue`, `snpType`): what the
/// host will hold after it, and what the device must do to other caches.
public enum CXLMessage: Int, Sendable, CaseIterable {
    // M2S Req
    case MemRd, MemRdData, MemInv
    // M2S RwD (`BIConflict` carries no data: CXL 3.0's RwD opcode table lists it)
    case BIConflict, MemWr, MemWrPtl
    // M2S BIRsp
    case BIRspI, BIRspS, BIRspE
    // S2M BISnp
    case BISnpInv, BISnpData, BISnpCur
    // S2M NDR
    case Cmp, CmpS, CmpE, BIConflictAck
    // S2M DRS
    case MemData

    /// The message class it travels in.
    public var messageClass: CXLMessageClass {
        switch self {
        case .MemRd, .MemRdData, .MemInv: .m2sReq
        case .BIConflict, .MemWr, .MemWrPtl: .m2sRwD
        case .BIRspI, .BIRspS, .BIRspE: .m2sBIRsp
        case .BISnpInv, .BISnpData, .BISnpCur: .s2mBISnp
        case .Cmp, .CmpS, .CmpE, .BIConflictAck: .s2mNDR
        case .MemData: .s2mDRS
        }
    }

    /// Whether it carries a 64-byte line (or, for `MemWrPtl`, part of one with byte enables).
    public var carriesData: Bool { self == .MemWr || self == .MemWrPtl || self == .MemData }

    /// The specification's spelling.
    public var specName: String {
        switch self {
        case .CmpS: "Cmp-S"
        case .CmpE: "Cmp-E"
        case .BIConflictAck: "BIConflictAck"
        default: String(describing: self)
        }
    }

    /// The M2S request's MetaField/MetaValue as this model uses them: the state the host
    /// may hold once the request completes (`A`: any, so E or M; `S`; `I`), or "-".
    public var metaValue: String {
        switch self {
        case .MemRd: "A"
        case .MemRdData: "S or A (the device decides: Cmp-S or Cmp-E)"
        case .MemInv: "I"
        case .MemWr: "I, S or A (what the host keeps: evicting or answering BISnpInv; BISnpData; BISnpCur)"
        case .MemWrPtl: "I"
        default: "-"
        }
    }

    /// The M2S request's SnpType: what the device must do to other caches of the line.
    public var snpType: String {
        switch self {
        case .MemRd: "SnpInv"
        case .MemRdData: "SnpData"
        case .MemInv, .MemWr: "No-Op"
        case .MemWrPtl: "SnpInv"
        default: "-"
        }
    }

    /// One-line meaning.
    public var doc: String {
        switch self {
        case .MemRd: "host store miss: read for ownership (MetaValue A, SnpInv)"
        case .MemRdData: "host load miss: read, the device grants S or E"
        case .MemInv: "host evicts a clean line (MetaValue I): the snoop filter may drop it"
        case .BIConflict: "host met a BISnp while its request for the line had no Cmp yet"
        case .MemWr: "host writes a full line (eviction, or dirty data answering a BISnp)"
        case .MemWrPtl: "host writes part of a line it does not cache (non-temporal store)"
        case .BIRspI: "back-invalidate response: the host holds no copy"
        case .BIRspS: "back-invalidate response: the host keeps a shared copy"
        case .BIRspE: "back-invalidate response: the host keeps an exclusive clean copy"
        case .BISnpInv: "device asks the host to invalidate the line (dirty data first by MemWr)"
        case .BISnpData: "device asks the host to keep at most a shared copy"
        case .BISnpCur: "device asks for the current data; the host may keep its state"
        case .Cmp: "completion of a MemWr, MemWrPtl or MemInv"
        case .CmpS: "completion of a read: the host may hold the line shared"
        case .CmpE: "completion of a read: the host may hold the line exclusive"
        case .BIConflictAck: "device answers BIConflict, ordered behind every Cmp it sent before for the line"
        case .MemData: "the line's data for a read"
        }
    }
}
