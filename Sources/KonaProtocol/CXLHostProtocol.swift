/// The host side of a CXL HDM-DB range (CXL 3.x sections 3.3 and 3.5.1): per line, what the
/// host's caches hold of the device's memory and the M2S transaction in flight for it.
///
/// The host's caches are one caching agent here (the socket's LLC with its cores); a load
/// misses with `MemRdData`, a store with `MemRd` (MetaValue A, SnpType SnpInv), a clean
/// eviction says `MemInv` (MetaValue I), a dirty one writes `MemWr`, a store the host does not
/// cache writes `MemWrPtl`. A read completes with two S2M messages in either order: `Cmp-S` or
/// `Cmp-E` on NDR and `MemData` on DRS.
///
/// Back-invalidation: a `BISnp*` is answered with a `BIRsp*`; dirty data goes first by
/// `MemWr`, and the `BIRsp` waits for that write's `Cmp` (the classes are independent, so
/// the response must not overtake the data). A `BISnp` that meets a read with no `Cmp` yet
/// cannot tell whether it was sent before the device took the read (then the host answers
/// from I) or after (then it applies to the new copy): the host holds the snoop, sends
/// `BIConflict` and waits for `BIConflictAck`, which NDR orders behind any `Cmp` of the read
/// (section 3.5.1.3). Ack first: answer `BIRspI` now. `Cmp` first: answer once the data is in.
///
/// Events are refined before lookup by the snoop the line holds (`_HeldInv`, `_HeldData`,
/// `_HeldCur`), as the home's are by its directory entry.
///
/// Simplifications: a store to an S line drops the copy and reads for ownership (no
/// data-less upgrade); clean evictions are always notified; one transaction per line.
public enum CXLHostProtocol {
    /// Per-line host states. `_CD`: waiting for the read's Cmp and data; `_C`: for its Cmp;
    /// `_D`: for its data; `X`: a conflict is open (BIConflict sent, snoop held).
    public enum State: Int, ProtocolVocabulary {
        case I, S, E, M
        case IR_CD, IR_C, IS_D, IE_D
        case IR_CDX, IR_CX, IS_DX, IE_DX, S_X, E_X
        case IM_CD, IM_C, IM_D
        case IM_CDX, IM_CX, IM_DX, M_X
        case MI_C, MS_C, ME_C, II_C, IW_C

        public var doc: String {
            switch self {
            case .I: "the host holds no copy"
            case .S: "the host holds a shared copy"
            case .E: "the host holds an exclusive clean copy"
            case .M: "the host holds a modified copy"
            case .IR_CD: "load miss: MemRdData sent, waiting for Cmp-S/Cmp-E and MemData"
            case .IR_C: "load miss: data in, waiting for the Cmp"
            case .IS_D: "load miss: Cmp-S in, waiting for the data"
            case .IE_D: "load miss: Cmp-E in, waiting for the data"
            case .IR_CDX: "load miss met a BISnp before its Cmp: BIConflict sent, snoop held, nothing in"
            case .IR_CX: "as IR_CDX with the data in"
            case .IS_DX: "Cmp-S came before BIConflictAck (the snoop is for the new copy): waiting for the ack and the data"
            case .IE_DX: "Cmp-E came before BIConflictAck: waiting for the ack and the data"
            case .S_X: "load done (S), waiting for BIConflictAck to apply the held snoop"
            case .E_X: "load done (E), waiting for BIConflictAck to apply the held snoop"
            case .IM_CD: "store miss: MemRd (MetaValue A) sent, waiting for Cmp-E and MemData"
            case .IM_C: "store miss: data in, waiting for Cmp-E"
            case .IM_D: "store miss: Cmp-E in, waiting for the data"
            case .IM_CDX: "store miss met a BISnp before its Cmp: BIConflict sent, snoop held, nothing in"
            case .IM_CX: "as IM_CDX with the data in"
            case .IM_DX: "Cmp-E came before BIConflictAck: waiting for the ack and the data"
            case .M_X: "store done (M), waiting for BIConflictAck to apply the held snoop"
            case .MI_C: "MemWr sent (eviction, or dirty data for a BISnpInv), waiting for its Cmp; copy dropped"
            case .MS_C: "dirty data written for a BISnpData, waiting for its Cmp to answer BIRspS"
            case .ME_C: "dirty data written for a BISnpCur, waiting for its Cmp to answer BIRspE"
            case .II_C: "clean eviction: MemInv sent, waiting for its Cmp; copy dropped"
            case .IW_C: "MemWrPtl sent (a store the host does not cache), waiting for its Cmp"
            }
        }
    }

    /// Core operations and S2M messages, refined by the held snoop.
    public enum Event: Int, ProtocolVocabulary {
        case Load, Store, Evict, WritePartial
        case BISnpInv, BISnpData, BISnpCur
        case CmpS, CmpE
        case Cmp, Cmp_HeldInv, Cmp_HeldData, Cmp_HeldCur
        case MemData, MemData_HeldInv, MemData_HeldData, MemData_HeldCur
        case BIConflictAck_HeldInv, BIConflictAck_HeldData, BIConflictAck_HeldCur

        public var doc: String {
            switch self {
            case .Load: "a core loads from the line"
            case .Store: "a core stores to the line"
            case .Evict: "the host's caches drop the line (capacity)"
            case .WritePartial: "a core writes part of the line without caching it (non-temporal store)"
            case .BISnpInv: "the device back-invalidates the line"
            case .BISnpData: "the device asks the host to keep at most a shared copy"
            case .BISnpCur: "the device asks for the current data"
            case .CmpS: "Cmp-S for the read in flight"
            case .CmpE: "Cmp-E for the read in flight"
            case .Cmp: "Cmp for a MemWr, MemWrPtl or MemInv; no snoop held"
            case .Cmp_HeldInv: "Cmp for a MemWr or MemInv with a BISnpInv held"
            case .Cmp_HeldData: "Cmp for a MemWr with a BISnpData held"
            case .Cmp_HeldCur: "Cmp for a MemWr with a BISnpCur held"
            case .MemData: "the read's data; no snoop held"
            case .MemData_HeldInv: "the read's data with a BISnpInv held"
            case .MemData_HeldData: "the read's data with a BISnpData held"
            case .MemData_HeldCur: "the read's data with a BISnpCur held"
            case .BIConflictAck_HeldInv: "BIConflictAck; the held snoop is a BISnpInv"
            case .BIConflictAck_HeldData: "BIConflictAck; the held snoop is a BISnpData"
            case .BIConflictAck_HeldCur: "BIConflictAck; the held snoop is a BISnpCur"
            }
        }

        /// The event for `message` arriving with `held` (nil: no snoop held), or nil if the
        /// message is not one the host receives.
        public static func arriving(_ message: CXLMessage, held: CXLMessage?) -> Event? {
            switch (message, held) {
            case (.BISnpInv, _): .BISnpInv
            case (.BISnpData, _): .BISnpData
            case (.BISnpCur, _): .BISnpCur
            case (.CmpS, _): .CmpS
            case (.CmpE, _): .CmpE
            case (.Cmp, nil): .Cmp
            case (.Cmp, .BISnpInv?): .Cmp_HeldInv
            case (.Cmp, .BISnpData?): .Cmp_HeldData
            case (.Cmp, .BISnpCur?): .Cmp_HeldCur
            case (.MemData, nil): .MemData
            case (.MemData, .BISnpInv?): .MemData_HeldInv
            case (.MemData, .BISnpData?): .MemData_HeldData
            case (.MemData, .BISnpCur?): .MemData_HeldCur
            case (.BIConflictAck, .BISnpInv?): .BIConflictAck_HeldInv
            case (.BIConflictAck, .BISnpData?): .BIConflictAck_HeldData
            case (.BIConflictAck, .BISnpCur?): .BIConflictAck_HeldCur
            default: nil
            }
        }
    }

    /// What a transition does.
    public enum Action: Int, ProtocolVocabulary {
        case sendMemRdData, sendMemRd, sendMemInv, sendMemWrI, sendMemWrS, sendMemWrA, sendMemWrPtl, sendBIConflict
        case sendBIRspI, sendBIRspS, sendBIRspE
        case holdSnoop, dropHeld
        case hit, takeData, completeLoad, completeStore, dropCopy

        public var doc: String {
            switch self {
            case .sendMemRdData: "send MemRdData (load miss)"
            case .sendMemRd: "send MemRd with MetaValue A, SnpType SnpInv (store miss)"
            case .sendMemInv: "send MemInv with MetaValue I (clean eviction)"
            case .sendMemWrI: "send MemWr with the line's data, MetaValue I (no copy kept)"
            case .sendMemWrS: "send MemWr with the line's data, MetaValue S (a shared copy kept)"
            case .sendMemWrA: "send MemWr with the line's data, MetaValue A (an exclusive clean copy kept)"
            case .sendMemWrPtl: "send MemWrPtl with the bytes written"
            case .sendBIConflict: "send BIConflict for the line"
            case .sendBIRspI: "answer the snoop: no copy kept"
            case .sendBIRspS: "answer the snoop: a shared copy kept"
            case .sendBIRspE: "answer the snoop: an exclusive clean copy kept"
            case .holdSnoop: "keep the arriving BISnp to answer later"
            case .dropHeld: "the held snoop is answered"
            case .hit: "serve the core's access from the copy (a store makes it modified)"
            case .takeData: "keep MemData's line"
            case .completeLoad: "the core's load reads the line"
            case .completeStore: "the core's store writes the line"
            case .dropCopy: "drop the host's copy"
            }
        }
    }

    public typealias Table = ProtocolTable<State, Event, Action>

    /// The host's table.
    public static let table: Table = {
        var t = RowBuilder<State, Event, Action>()
        let snoops: [Event] = [.BISnpInv, .BISnpData, .BISnpCur]
        let acks: [Event] = [.BIConflictAck_HeldInv, .BIConflictAck_HeldData, .BIConflictAck_HeldCur]
        let heldData: [Event] = [.MemData_HeldInv, .MemData_HeldData, .MemData_HeldCur]
        // From I
        t.add([.I], [.Load], [.sendMemRdData], .IR_CD, "load miss")
        t.add([.I], [.Store], [.sendMemRd], .IM_CD, "store miss: read for ownership")
        t.add([.I], [.WritePartial], [.sendMemWrPtl], .IW_C, "non-temporal partial store")
        t.add([.I], snoops, [.sendBIRspI], nil, "a BISnp that crossed a write-back or MemInv and came after its Cmp: no copy")
        // From S
        t.add([.S], [.Load], [.hit], nil, "load hit")
        t.add([.S], [.Store], [.dropCopy, .sendMemRd], .IM_CD, "store to S: drop the copy and read for ownership (no data-less upgrade)")
        t.add([.S], [.Evict], [.dropCopy, .sendMemInv], .II_C, "clean eviction, notified")
        t.add([.S], [.BISnpInv], [.dropCopy, .sendBIRspI], .I, "back-invalidated")
        // From E
        t.add([.E], [.Load], [.hit], nil, "load hit")
        t.add([.E], [.Store], [.hit], .M, "store hit: E becomes M silently")
        t.add([.E], [.Evict], [.dropCopy, .sendMemInv], .II_C, "clean eviction, notified")
        t.add([.E], [.BISnpInv], [.dropCopy, .sendBIRspI], .I, "back-invalidated, clean")
        t.add([.E], [.BISnpData], [.sendBIRspS], .S, "keep a shared copy, clean")
        t.add([.E], [.BISnpCur], [.sendBIRspE], nil, "clean: memory is current, keep E")
        // From M: dirty data first, the BIRsp after its Cmp
        t.add([.M], [.Load, .Store], [.hit], nil, "hit")
        t.add([.M], [.Evict], [.sendMemWrI, .dropCopy], .MI_C, "dirty eviction")
        t.add([.M], [.BISnpInv], [.holdSnoop, .sendMemWrI, .dropCopy], .MI_C, "write the dirty line back, answer BIRspI after its Cmp")
        t.add([.M], [.BISnpData], [.holdSnoop, .sendMemWrS], .MS_C, "write the dirty line back, answer BIRspS after its Cmp")
        t.add([.M], [.BISnpCur], [.holdSnoop, .sendMemWrA], .ME_C, "write the dirty line back, answer BIRspE after its Cmp")
        // Writes and clean evictions in flight
        t.add([.MI_C], [.Cmp], [], .I, "eviction written")
        t.add([.MI_C], [.Cmp_HeldInv, .Cmp_HeldData, .Cmp_HeldCur], [.dropHeld, .sendBIRspI], .I,
              "the line is written: answer the held snoop, no copy kept")
        t.add([.MI_C], snoops, [.holdSnoop], nil, "a BISnp crossed the eviction's MemWr: answer after its Cmp")
        t.add([.MS_C], [.Cmp_HeldData], [.dropHeld, .sendBIRspS], .S, "the line is written: keep it shared")
        t.add([.ME_C], [.Cmp_HeldCur], [.dropHeld, .sendBIRspE], .E, "the line is written: keep it exclusive, clean")
        t.add([.II_C], [.Cmp], [], .I, "clean eviction acknowledged")
        t.add([.II_C], snoops, [.sendBIRspI], nil, "a BISnp crossed the MemInv: no copy, nothing dirty, answer at once")
        t.add([.IW_C], [.Cmp], [], .I, "partial write done")
        t.add([.IW_C], snoops, [.sendBIRspI], nil, "no copy: answer at once")
        // Load miss
        t.add([.IR_CD], [.MemData], [.takeData], .IR_C, "data before the completion")
        t.add([.IR_CD], [.CmpS], [], .IS_D, "granted S, data to come")
        t.add([.IR_CD], [.CmpE], [], .IE_D, "granted E, data to come")
        t.add([.IR_C], [.CmpS], [.completeLoad], .S, "load done, shared")
        t.add([.IR_C], [.CmpE], [.completeLoad], .E, "load done, exclusive")
        t.add([.IS_D], [.MemData], [.takeData, .completeLoad], .S, "load done, shared")
        t.add([.IE_D], [.MemData], [.takeData, .completeLoad], .E, "load done, exclusive")
        // A host granted S is no owner: only BISnpInv reaches it.
        t.add([.IS_D], [.BISnpInv], [.holdSnoop], nil, "the Cmp came first: the snoop is for the new copy, answer once the data is in")
        t.add([.IE_D], snoops, [.holdSnoop], nil, "the Cmp came first: the snoop is for the new copy, answer once the data is in")
        t.add([.IS_D, .IE_D], [.MemData_HeldInv], [.takeData, .completeLoad, .dropCopy, .dropHeld, .sendBIRspI], .I,
              "load done, then the held BISnpInv")
        t.add([.IE_D], [.MemData_HeldData], [.takeData, .completeLoad, .dropHeld, .sendBIRspS], .S, "load done, then the held BISnpData")
        t.add([.IE_D], [.MemData_HeldCur], [.takeData, .completeLoad, .dropHeld, .sendBIRspE], .E, "load done, then the held BISnpCur")
        t.add([.IR_CD], snoops, [.holdSnoop, .sendBIConflict], .IR_CDX, "a BISnp before the Cmp: which came first? ask")
        t.add([.IR_C], snoops, [.holdSnoop, .sendBIConflict], .IR_CX, "a BISnp before the Cmp: which came first? ask")
        t.add([.IR_CDX], acks, [.dropHeld, .sendBIRspI], .IR_CD, "ack before Cmp: the snoop preceded the read, answer from I")
        t.add([.IR_CDX], heldData, [.takeData], .IR_CX, "data while the conflict is open")
        t.add([.IR_CDX], [.CmpS], [], .IS_DX, "Cmp before the ack: the snoop is for the new copy")
        t.add([.IR_CDX], [.CmpE], [], .IE_DX, "Cmp before the ack: the snoop is for the new copy")
        t.add([.IR_CX], [.CmpS], [.completeLoad], .S_X, "load done; the snoop applies once the ack is in")
        t.add([.IR_CX], [.CmpE], [.completeLoad], .E_X, "load done; the snoop applies once the ack is in")
        t.add([.IS_DX], [.BIConflictAck_HeldInv], [], .IS_D, "ack in: apply the snoop once the data is in")
        t.add([.IE_DX], acks, [], .IE_D, "ack in: apply the snoop once the data is in")
        t.add([.IS_DX], [.MemData_HeldInv], [.takeData, .completeLoad], .S_X, "load done; waiting for the ack")
        t.add([.IE_DX], heldData, [.takeData, .completeLoad], .E_X, "load done; waiting for the ack")
        t.add([.S_X, .E_X], [.BIConflictAck_HeldInv], [.dropCopy, .dropHeld, .sendBIRspI], .I, "apply the held BISnpInv")
        t.add([.E_X], [.BIConflictAck_HeldData], [.dropHeld, .sendBIRspS], .S, "apply the held BISnpData")
        t.add([.E_X], [.BIConflictAck_HeldCur], [.dropHeld, .sendBIRspE], .E, "apply the held BISnpCur")
        // Store miss
        t.add([.IM_CD], [.MemData], [.takeData], .IM_C, "data before the completion")
        t.add([.IM_CD], [.CmpE], [], .IM_D, "granted, data to come")
        t.add([.IM_C], [.CmpE], [.completeStore], .M, "store done")
        t.add([.IM_D], [.MemData], [.takeData, .completeStore], .M, "store done")
        t.add([.IM_D], snoops, [.holdSnoop], nil, "the Cmp came first: the snoop is for the new copy, answer once the data is in")
        t.add([.IM_D], [.MemData_HeldInv], [.takeData, .completeStore, .sendMemWrI, .dropCopy], .MI_C, "store done, then the held BISnpInv")
        t.add([.IM_D], [.MemData_HeldData], [.takeData, .completeStore, .sendMemWrS], .MS_C, "store done, then the held BISnpData")
        t.add([.IM_D], [.MemData_HeldCur], [.takeData, .completeStore, .sendMemWrA], .ME_C, "store done, then the held BISnpCur")
        t.add([.IM_CD], snoops, [.holdSnoop, .sendBIConflict], .IM_CDX, "a BISnp before the Cmp: which came first? ask")
        t.add([.IM_C], snoops, [.holdSnoop, .sendBIConflict], .IM_CX, "a BISnp before the Cmp: which came first? ask")
        t.add([.IM_CDX], acks, [.dropHeld, .sendBIRspI], .IM_CD, "ack before Cmp: the snoop preceded the read, answer from I")
        t.add([.IM_CDX], heldData, [.takeData], .IM_CX, "data while the conflict is open")
        t.add([.IM_CDX], [.CmpE], [], .IM_DX, "Cmp before the ack: the snoop is for the new copy")
        t.add([.IM_CX], [.CmpE], [.completeStore], .M_X, "store done; the snoop applies once the ack is in")
        t.add([.IM_DX], acks, [], .IM_D, "ack in: apply the snoop once the data is in")
        t.add([.IM_DX], heldData, [.takeData, .completeStore], .M_X, "store done; waiting for the ack")
        t.add([.M_X], [.BIConflictAck_HeldInv], [.sendMemWrI, .dropCopy], .MI_C, "apply the held BISnpInv: dirty data first")
        t.add([.M_X], [.BIConflictAck_HeldData], [.sendMemWrS], .MS_C, "apply the held BISnpData: dirty data first")
        t.add([.M_X], [.BIConflictAck_HeldCur], [.sendMemWrA], .ME_C, "apply the held BISnpCur: dirty data first")
        return Table(name: "cxl-host", doc: "CXL host: the host's caching of an HDM-DB range (M2S requests, BISnp answers, conflicts)",
                     rows: t.rows)
    }()
}
