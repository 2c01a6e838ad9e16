/// The CXL.mem message classes (CXL 3.x, section 3.3): three from the host to the device
/// (M2S) and three back (S2M). Each class has its own credits on the link; the classes are
/// independent of each other, and only S2M NDR is ordered per address (a `BIConflictAck`
/// pushes the `Cmp*` the device sent before it, section 3.3.11).
public enum CXLMessageClass: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// M2S Request without data (`MemRd`, `MemRdData`, `MemInv`, `BIConflict`).
    case m2sReq
    /// M2S Request with Data (`MemWr`, `MemWrPtl`).
    case m2sRwD
    /// M2S Back-Invalidate Response (`BIRspI`, `BIRspS`, `BIRspE`).
    case m2sBIRsp
    /// S2M Back-Invalidate Snoop (`BISnpInv`, `BISnpData`, `BISnpCur`).
    case s2mBISnp
    /// S2M No Data Response (`Cmp`, `Cmp-S`, `Cmp-E`, `BIConflictAck`): ordered per address.
    case s2mNDR
    /// S2M Data Response (`MemData`).
    case s2mDRS

    public var description: String { ["M2S Req", "M2S RwD", "M2S BIRsp", "S2M BISnp", "S2M NDR", "S2M DRS"][rawValue] }

    /// Whether the message travels from the host to the device.
    public var isHostToDevice: Bool { rawValue <= CXLMessageClass.m2sBIRsp.rawValue }

    /// Whether the class keeps its messages for one address in order (only S2M NDR).
    public var isOrdered: Bool { self == .s2mNDR }
}
