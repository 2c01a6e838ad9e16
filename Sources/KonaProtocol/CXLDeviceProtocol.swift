/// The device side of a CXL HDM-DB range (CXL 3.x sections 3.3.3 and 3.5.1): the device
/// coherence engine's inclusive snoop filter, one entry per line that hosts may cache (I: no
/// entry; S with a sharer set; E with one owner, which may have modified the line), in front
/// of the device's memory (Kona's FMem with its dirty and access bitmaps).
///
/// Blocking per line: while the engine waits for `BIRsp*`, requests for the line are parked
/// (M2S Req, and `MemWrPtl`, whose sender holds no copy and so answers every snoop at once);
/// `MemWr` is never parked (its sender waits for the `Cmp` before it answers the snoop), and
/// `BIConflict` is answered in any state with a `BIConflictAck` that the NDR class orders
/// behind every `Cmp` already sent for the line. There is no completion from the host: a
/// grant's `Cmp` may still be in flight when the engine snoops the new holder, which is what
/// the host's conflict handshake resolves.
///
/// Requests are refined before lookup by the entry (`_Alone`: no host but the requester is
/// listed; `_Shared`: other hosts share; `_Owned`: another host owns; `_Cached`: some host is
/// listed), `MemInv` by whether its sender is listed, `MemWr` by its MetaValue (I: the sender
/// keeps no copy), and responses by what they say and whether they are the last expected; a
/// response from a host the entry no longer lists (it wrote the line back with MetaValue I
/// after answering) counts as `BIRspI`.
///
/// `Evict` is the snoop filter giving up a stable entry (its capacity, or the FMem block
/// being evicted): every listed host is back-invalidated, then the entry is free. `Clean`
/// fetches an owned line's current data while the owner keeps it (`BISnpCur`).
public enum CXLDeviceProtocol {
    /// Per-line snoop filter states.
    public enum State: Int, ProtocolVocabulary {
        case I, S, E
        case B_I, B_M, B_S, B_W, B_C

        public var doc: String {
            switch self {
            case .I: "no entry: no host caches the line"
            case .S: "hosts in the sharer set hold clean copies"
            case .E: "one host owns the line (E or M; it may be dirty)"
            case .B_I: "back-invalidating every listed host to free the entry"
            case .B_M: "back-invalidating the other holders for a MemRd (ownership)"
            case .B_S: "BISnpData to the owner for another host's MemRdData"
            case .B_W: "back-invalidating every listed host for a MemWrPtl"
            case .B_C: "BISnpCur to the owner for its current data"
            }
        }
    }

    /// M2S messages (refined by the entry) and the engine's own decisions.
    public enum Event: Int, ProtocolVocabulary {
        case MemRdData_Alone, MemRdData_Shared, MemRdData_Owned
        case MemRd_Alone, MemRd_Shared, MemRd_Owned
        case MemInv_Sharer, MemInv_Last, MemInv_Stale
        case MemWr, MemWr_Keep
        case MemWrPtl_Alone, MemWrPtl_Cached
        case BIConflict
        case Rsp, LastRspI, LastRspS, LastRspE
        case Evict, Clean

        public var doc: String {
            switch self {
            case .MemRdData_Alone: "load miss; no other host holds the line"
            case .MemRdData_Shared: "load miss; other hosts share the line"
            case .MemRdData_Owned: "load miss; another host owns the line"
            case .MemRd_Alone: "store miss; no other host holds the line"
            case .MemRd_Shared: "store miss; other hosts share the line"
            case .MemRd_Owned: "store miss; another host owns the line"
            case .MemInv_Sharer: "clean eviction by a listed sharer; others remain"
            case .MemInv_Last: "clean eviction by the last listed holder (sharer or owner)"
            case .MemInv_Stale: "clean eviction by a host no longer listed (it crossed a BISnp)"
            case .MemWr: "a full line written by a host that keeps no copy (MetaValue I: its eviction, or its answer to a BISnpInv)"
            case .MemWr_Keep: "a full line written by a host that keeps a copy (MetaValue S or A: dirty data ahead of its BIRspS or BIRspE)"
            case .MemWrPtl_Alone: "a partial write; no host holds the line"
            case .MemWrPtl_Cached: "a partial write; hosts hold the line"
            case .BIConflict: "a host met a BISnp while its request had no Cmp"
            case .Rsp: "a BIRspI, more expected"
            case .LastRspI: "the last expected response: no copy kept"
            case .LastRspS: "the last expected response: a shared copy kept"
            case .LastRspE: "the last expected response: an exclusive clean copy kept"
            case .Evict: "the snoop filter gives the entry up (capacity, or its FMem block is evicted)"
            case .Clean: "the device wants the owned line's current data; the owner keeps it"
            }
        }
    }

    /// What a transition does.
    public enum Action: Int, ProtocolVocabulary {
        case sendData, grantS, grantE
        case writeMemory, mergeMemory, sendCmp
        case snoopInvOthers, snoopInvAll, snoopDataOwner, snoopCurOwner, countRsp
        case ownerToSharer, clearOwner, removeSender, clearEntry
        case sendBIConflictAck, recalled
        case stall

        public var doc: String {
            switch self {
            case .sendData: "read the line from device memory (FMem) and send MemData to the requester"
            case .grantS: "send Cmp-S; add the requester to the sharers"
            case .grantE: "send Cmp-E; the requester becomes the owner, no sharers remain"
            case .writeMemory: "write the carried line to device memory (sets its dirty bit)"
            case .mergeMemory: "merge the carried bytes into device memory (sets its dirty bit)"
            case .sendCmp: "send Cmp to the sender"
            case .snoopInvOthers: "send BISnpInv to every listed host but the requester; expect their BIRsp"
            case .snoopInvAll: "send BISnpInv to every listed host; expect their BIRsp"
            case .snoopDataOwner: "send BISnpData to the owner; expect its BIRsp"
            case .snoopCurOwner: "send BISnpCur to the owner; expect its BIRsp"
            case .countRsp: "one expected response fewer"
            case .ownerToSharer: "the snooped owner keeps a shared copy"
            case .clearOwner: "the owner no longer holds the line"
            case .removeSender: "the sender no longer holds the line (as a sharer or as the owner)"
            case .clearEntry: "no host holds the line any more"
            case .sendBIConflictAck: "send BIConflictAck, behind every Cmp sent for the line"
            case .recalled: "tell the snoop filter (and the eviction engine) that the entry is free"
            case .stall: "park the request until the line's back-invalidation completes"
            }
        }
    }

    public typealias Table = ProtocolTable<State, Event, Action>

    /// The device coherence engine's table.
    public static let table: Table = {
        var t = RowBuilder<State, Event, Action>()
        let busy: [State] = [.B_I, .B_M, .B_S, .B_W, .B_C]
        // From I
        t.add([.I], [.MemRdData_Alone], [.sendData, .grantE], .E, "load miss, no holder: grant E")
        t.add([.I], [.MemRd_Alone], [.sendData, .grantE], .E, "store miss, no holder")
        t.add([.I], [.MemWrPtl_Alone], [.mergeMemory, .sendCmp], nil, "partial write, no holder")
        t.add([.I], [.MemInv_Stale], [.sendCmp], nil, "clean eviction that crossed a back-invalidation")
        // From S
        t.add([.S], [.MemRdData_Shared], [.sendData, .grantS], nil, "another sharer")
        t.add([.S], [.MemRd_Alone], [.sendData, .grantE], .E, "the only listed sharer dropped its copy to write")
        t.add([.S], [.MemRd_Shared], [.snoopInvOthers], .B_M, "store miss: back-invalidate the sharers first")
        t.add([.S], [.MemInv_Sharer], [.removeSender, .sendCmp], nil, "a sharer evicts")
        t.add([.S], [.MemInv_Last], [.removeSender, .sendCmp, .recalled], .I, "the last sharer evicts: the entry is free")
        t.add([.S], [.MemInv_Stale], [.sendCmp], nil, "clean eviction that crossed a back-invalidation")
        t.add([.S], [.MemWrPtl_Cached], [.snoopInvAll], .B_W, "partial write: back-invalidate the sharers first")
        t.add([.S], [.Evict], [.snoopInvAll], .B_I, "free the entry: back-invalidate every sharer")
        // From E
        t.add([.E], [.MemRdData_Owned], [.snoopDataOwner], .B_S, "load miss of an owned line: downgrade the owner")
        t.add([.E], [.MemRd_Owned], [.snoopInvOthers], .B_M, "store miss of an owned line: back-invalidate the owner")
        t.add([.E], [.MemInv_Last], [.clearOwner, .sendCmp, .recalled], .I, "the owner evicts a clean line: the entry is free")
        t.add([.E], [.MemInv_Stale], [.sendCmp], nil, "clean eviction that crossed a back-invalidation")
        t.add([.E], [.MemWr], [.writeMemory, .clearOwner, .sendCmp, .recalled], .I, "the owner writes back: the entry is free")
        t.add([.E], [.MemWrPtl_Cached], [.snoopInvAll], .B_W, "partial write: back-invalidate the owner first")
        t.add([.E], [.Evict], [.snoopInvAll], .B_I, "free the entry: back-invalidate the owner")
        t.add([.E], [.Clean], [.snoopCurOwner], .B_C, "fetch the owner's current data")
        // Back-invalidating
        t.add([.B_I, .B_M, .B_W], [.Rsp], [.countRsp], nil, "a host dropped its copy")
        t.add([.B_I], [.LastRspI], [.clearEntry, .recalled], .I, "no host holds the line: the entry is free")
        t.add([.B_M], [.LastRspI], [.clearEntry, .sendData, .grantE], .E, "holders gone: grant ownership")
        t.add([.B_W], [.LastRspI], [.clearEntry, .mergeMemory, .sendCmp, .recalled], .I, "holders gone: merge the partial write")
        t.add([.B_S], [.LastRspS], [.ownerToSharer, .sendData, .grantS], .S, "the owner kept a shared copy")
        t.add([.B_S], [.LastRspI], [.clearOwner, .sendData, .grantE], .E, "the owner had left: grant E")
        t.add([.B_C], [.LastRspE], [], .E, "the owner keeps E; memory is current")
        t.add([.B_C], [.LastRspI], [.clearOwner, .recalled], .I, "the owner had left: the entry is free")
        t.add(busy, [.MemWr], [.writeMemory, .removeSender, .sendCmp], nil,
              "dirty data, no copy kept (an answer to BISnpInv, or an eviction that crossed the snoop); its BIRsp follows")
        t.add([.B_S, .B_C], [.MemWr_Keep], [.writeMemory, .sendCmp], nil, "dirty data ahead of the owner's BIRspS or BIRspE")
        t.add(busy, [.BIConflict], [.sendBIConflictAck], nil, "conflict: ack behind every Cmp sent for the line")
        let requests: [Event] = [.MemRdData_Alone, .MemRdData_Owned, .MemRd_Alone, .MemRd_Owned, .MemInv_Last, .MemInv_Stale,
                                 .MemWrPtl_Alone, .MemWrPtl_Cached]
        // B_S and B_C snoop an owner: no host shares the line meanwhile.
        t.add([.B_I, .B_M, .B_W], requests + [.MemRdData_Shared, .MemRd_Shared, .MemInv_Sharer], [.stall], nil,
              "line busy: wait for the back-invalidation")
        t.add([.B_S, .B_C], requests, [.stall], nil, "line busy: wait for the owner's answer")
        return Table(name: "cxl-device", doc: "CXL device coherence engine: the inclusive snoop filter with back-invalidation (HDM-DB)",
                     rows: t.rows)
    }()
}
