/// The socket LLC: inclusive, with core-valid bits, it is the directory for the cores of
/// its socket and the caching agent toward the home agents.
///
/// Core requests are refined before lookup by what the LLC records for the line
/// (`GetS_Owned`: another core owns it; `PutStale`: the sender no longer holds it), and
/// acks by whether they are the last expected (`LastAck` fires at once when none are
/// expected). A GetM tells the LLC that its sender holds no copy, so the sender's
/// core-valid bit is cleared before lookup (it may have dropped a shared copy silently).
/// The LLC serialises transactions per line: a core request that meets a transient state
/// is parked, never guessed at, and after granting a core the line it waits for that
/// core's Unblock, so it never snoops a core whose grant is still in flight.
public enum LLCProtocol {
    /// Per-line states. E and M are both exclusive toward the home; M means the LLC's
    /// copy is dirty. A core may own the line (E or M in its complex) in either.
    public enum State: Int, ProtocolVocabulary {
        case I, S, E, M
        case S_U, E_U, M_U
        case IS_D, IM_D, SM_A, SM_AI
        case EX_I, MX_I, EX_D, MX_D
        case SSNP_I, ESNP_I, MSNP_I, ESNP_S, MSNP_S
        case SEV_I, EEV_I, MEV_I
        case MI_A, EI_A, SI_A, II_A

        public var doc: String {
            switch self {
            case .I: "not present"
            case .S: "socket holds a shared copy; cores may share it"
            case .E: "socket exclusive, LLC copy clean; a core may own it"
            case .M: "socket exclusive, LLC copy dirty; a core may own it"
            case .S_U: "shared: a core was granted the line, waiting for its Unblock"
            case .E_U: "exclusive (clean): a core was granted the line, waiting for its Unblock"
            case .M_U: "exclusive (dirty): a core was granted the line, waiting for its Unblock"
            case .IS_D: "RdShared sent for a core's read, waiting for data"
            case .IM_D: "RdOwn sent for a core's write, waiting for data"
            case .SM_A: "UpgradeReq sent for a core's write, waiting for GntE"
            case .SM_AI: "upgrade pending, a home SnpInv arrived: invalidating the cores first"
            case .EX_I: "exclusive (clean): invalidating other cores for a core's write"
            case .MX_I: "exclusive (dirty): invalidating other cores for a core's write"
            case .EX_D: "exclusive (clean): downgrading the owning core for a core's read"
            case .MX_D: "exclusive (dirty): downgrading the owning core for a core's read"
            case .SSNP_I: "shared: invalidating the cores for a home SnpInv"
            case .ESNP_I: "exclusive (clean): invalidating the cores for a home SnpInv"
            case .MSNP_I: "exclusive (dirty): invalidating the cores for a home SnpInv"
            case .ESNP_S: "exclusive (clean): downgrading the owning core for a home SnpData"
            case .MSNP_S: "exclusive (dirty): downgrading the owning core for a home SnpData"
            case .SEV_I: "evicting a shared line: back-invalidating the cores"
            case .EEV_I: "evicting a clean exclusive line: back-invalidating the cores"
            case .MEV_I: "evicting a dirty line: back-invalidating the cores"
            case .MI_A: "WbDirty sent (data kept for snoops), waiting for WbAck"
            case .EI_A: "WbClean sent, waiting for WbAck"
            case .SI_A: "WbShared sent, waiting for WbAck"
            case .II_A: "eviction crossed a home snoop (answered), waiting for WbAck"
            }
        }
    }

    /// Events: core requests (refined), core acks (refined), home messages, replacement.
    public enum Event: Int, ProtocolVocabulary {
        case GetS, GetS_Alone, GetS_Owned, GetM
        case PutOwnerClean, PutOwnerDirty, PutSharer, PutStale
        case Ack, AckData, LastAck, LastAckData, Unblock
        case DataS, DataEx, GntE, WbAck, SnpInv, SnpData
        case Replace

        public var doc: String {
            switch self {
            case .GetS: "a core reads; other cores share the line, none owns it"
            case .GetS_Alone: "a core reads; no core holds the line"
            case .GetS_Owned: "a core reads; another core owns the line"
            case .GetM: "a core wants ownership (GetM, or Upgrade)"
            case .PutOwnerClean: "the owning core evicts a clean line (PutE)"
            case .PutOwnerDirty: "the owning core evicts a dirty line (PutM)"
            case .PutSharer: "a sharing core evicts (PutS, also from an owner whose downgrade ack is in flight; or a PutM/PutE crossed by a downgrade)"
            case .PutStale: "a core that no longer holds the line evicts (crossed by an invalidation)"
            case .Ack: "a core's InvAck or DowngradeAck, more expected"
            case .AckData: "a core's ack with dirty data, more expected"
            case .LastAck: "the last expected ack (or none was expected)"
            case .LastAckData: "the last expected ack, with dirty data"
            case .Unblock: "the granted core received its grant"
            case .DataS: "shared copy from the home"
            case .DataEx: "exclusive copy from the home"
            case .GntE: "ownership from the home (we hold the data)"
            case .WbAck: "the home acknowledges our eviction"
            case .SnpInv: "the home asks us to invalidate"
            case .SnpData: "the home asks us (the owner) to downgrade to shared"
            case .Replace: "the LLC evicts the line (inclusive: back-invalidates the cores)"
            }
        }
    }

    /// What a transition does.
    public enum Action: Int, ProtocolVocabulary {
        case allocate, deallocate, fill, writeData
        case grantS, grantE, grantM
        case invalidateOthers, invalidateAll, downgradeOwner, ownerToSharer, countAck
        case clearOwner, removeSharer, sendPutAck
        case sendRdShared, sendRdOwn, sendUpgradeReq, sendWbDirty, sendWbClean, sendWbShared
        case sendRspI, sendRspIWb, sendRspS, sendRspSWb, sendCmpAck
        case stall

        public var doc: String {
            switch self {
            case .allocate: "allocate the line (an inclusive fill)"
            case .deallocate: "free the line"
            case .fill: "install the data from the home's message"
            case .writeData: "store the core's dirty data; the LLC copy becomes dirty"
            case .grantS: "send Data to the requesting core and add it to the sharers"
            case .grantE: "send DataE to the requesting core and make it the owner"
            case .grantM: "send DataM (GntM if it still holds S) to the requester; it becomes the owner, no sharers remain"
            case .invalidateOthers: "send Inv to every other core holding the line; expect their acks"
            case .invalidateAll: "send Inv to every core holding the line; expect their acks"
            case .downgradeOwner: "send Downgrade to the owning core, if any; expect its ack"
            case .ownerToSharer: "the downgraded owner keeps a shared copy"
            case .countAck: "one expected ack fewer"
            case .clearOwner: "the evicting owner no longer holds the line"
            case .removeSharer: "the evicting sharer no longer holds the line"
            case .sendPutAck: "acknowledge the core's eviction"
            case .sendRdShared: "send RdShared to the home"
            case .sendRdOwn: "send RdOwn to the home"
            case .sendUpgradeReq: "send UpgradeReq to the home"
            case .sendWbDirty: "send WbDirty with the data to the home"
            case .sendWbClean: "send WbClean to the home"
            case .sendWbShared: "send WbShared to the home"
            case .sendRspI: "answer the home: no copy kept, clean"
            case .sendRspIWb: "answer the home: no copy kept, with the dirty data"
            case .sendRspS: "answer the home: shared copy kept, clean"
            case .sendRspSWb: "answer the home: shared copy kept, with the dirty data"
            case .sendCmpAck: "tell the home its grant arrived (it may serve the line again)"
            case .stall: "park the event until the line's state changes"
            }
        }
    }

    public typealias Table = ProtocolTable<State, Event, Action>

    /// The message an action sends to the line's home, if it is a plain send (data, when
    /// the message carries any, is the line's value).
    public static func homeMessage(of action: Action) -> MessageKind? {
        switch action {
        case .sendRdShared: .RdShared
        case .sendRdOwn: .RdOwn
        case .sendUpgradeReq: .UpgradeReq
        case .sendWbDirty: .WbDirty
        case .sendWbClean: .WbClean
        case .sendWbShared: .WbShared
        case .sendRspI: .RspI
        case .sendRspIWb: .RspIWb
        case .sendRspS: .RspS
        case .sendRspSWb: .RspSWb
        case .sendCmpAck: .CmpAck
        default: nil
        }
    }

    /// Core requests that can meet a busy line, by what the LLC then records for it.
    /// After every copy was invalidated (or before any was granted) requests refine only
    /// to these:
    static let toEmptyLine: [Event] = [.GetS_Alone, .GetM, .PutStale]
    /// Any core request.
    static let coreRequests: [Event] = [.GetS, .GetS_Alone, .GetS_Owned, .GetM, .PutOwnerClean, .PutOwnerDirty, .PutSharer, .PutStale]

    /// The table for `variant`.
    public static func table(_ variant: ProtocolVariant) -> Table {
        var t = RowBuilder<State, Event, Action>()
        let grantE = variant.grantExclusive
        let silent = variant.silentCleanEviction
        let notify = !silent
        // Only with grant-E do cores hold clean exclusive copies; otherwise the one core that
        // owns an exclusive socket's line always holds it modified.
        let cleanExclusive = grantE
        let alone: [Action] = grantE ? [.grantE] : [.grantS]
        func when(_ condition: Bool, _ events: [Event]) -> [Event] { condition ? events : [] }
        // From I
        t.add([.I], [.GetS_Alone], [.allocate, .sendRdShared], .IS_D, "read miss in the socket")
        t.add([.I], [.GetM], [.allocate, .sendRdOwn], .IM_D, "write miss in the socket")
        t.add([.I], [.PutStale], [.sendPutAck], nil, "eviction crossed our back-invalidation")
        t.add([.I], when(silent, [.SnpInv]) + when(silent && grantE, [.SnpData]), [.sendRspI], nil,
              "stale snoop for a copy dropped silently")
        // Waiting for the home. The home snoops a socket only after its CmpAck, so a snoop met
        // while waiting for data is stale (aimed at a copy dropped silently): answer it.
        t.add([.IS_D], [.DataS], [.fill, .sendCmpAck, .grantS], .S_U, "shared copy for the socket and the core")
        if grantE { t.add([.IS_D], [.DataEx], [.fill, .sendCmpAck, .grantE], .E_U, "exclusive copy: the only reader gets E") }
        t.add([.IM_D], [.DataEx], [.fill, .sendCmpAck, .grantM], .E_U, "ownership for the socket and the writing core")
        t.add([.SM_A], [.GntE], [.sendCmpAck, .invalidateOthers], .EX_I, "ownership granted: invalidate the other sharing cores")
        t.add([.SM_A], [.SnpInv], [.invalidateAll], .SM_AI, "another socket's write won at the home: give up our copies first")
        t.add([.SM_AI], [.Ack], [.countAck], nil, "a core dropped its copy")
        t.add([.SM_AI], [.LastAck], [.sendRspI], .IM_D, "copies gone; the home will answer our upgrade with data")
        t.add([.IS_D, .IM_D, .SM_AI], toEmptyLine, [.stall], nil, "line busy: wait")
        t.add([.SM_A], [.GetS, .GetS_Alone, .GetM, .PutStale, .PutSharer], [.stall], nil, "line busy: wait")
        t.add([.IS_D, .IM_D], when(silent, [.SnpInv]) + when(silent && grantE, [.SnpData]), [.sendRspI], nil,
              "stale snoop for a copy dropped silently before this miss")
        // Granted to a core: nothing else for the line until its Unblock
        t.add([.S_U], [.Unblock], [], .S, "the core has its copy")
        t.add([.E_U], [.Unblock], [], .E, "the core has its copy")
        t.add([.M_U], [.Unblock], [], .M, "the core has its copy")
        t.add([.S_U], [.GetS, .GetM, .PutStale, .PutSharer] + when(silent, [.GetS_Alone]), [.stall], nil,
              "grant in flight: wait")
        t.add([.E_U], [.GetS_Owned, .GetM, .PutOwnerDirty, .PutStale]
              + when(cleanExclusive, [.GetS]) + when(cleanExclusive && notify, [.PutOwnerClean, .PutSharer])
              + when(cleanExclusive && silent, [.GetS_Alone]), [.stall], nil, "grant in flight: wait")
        t.add([.M_U], [.GetS, .GetS_Owned, .GetM, .PutOwnerDirty, .PutStale, .PutSharer]
              + when(cleanExclusive && notify, [.PutOwnerClean]) + when(silent, [.GetS_Alone]), [.stall], nil, "grant in flight: wait")
        t.add([.S_U], [.SnpInv], [.stall], nil, "grant in flight: answer the home after the Unblock")
        t.add([.E_U, .M_U], [.SnpInv, .SnpData], [.stall], nil, "grant in flight: answer the home after the Unblock")
        // Stable: S
        t.add([.S], [.GetS, .GetS_Alone], [.grantS], .S_U, "read hit in a shared socket")
        t.add([.S], [.GetM], [.sendUpgradeReq], .SM_A, "write to a shared socket: ask the home for ownership")
        t.add([.S], [.PutSharer], [.removeSharer, .sendPutAck], nil, "a sharing core evicts (PutS, or the PutM of an owner downgraded meanwhile)")
        t.add([.S], [.PutStale], [.sendPutAck], nil, "eviction crossed an invalidation")
        t.add([.S], [.SnpInv], [.invalidateAll], .SSNP_I, "the home invalidates the socket")
        t.add([.S], [.Replace], [.invalidateAll], .SEV_I, "LLC eviction: back-invalidate")
        // Stable: E and M
        for (x, xU, xI, xD, snpI, snpS, ev) in [(State.E, State.E_U, State.EX_I, State.EX_D, State.ESNP_I, State.ESNP_S, State.EEV_I),
                                                (State.M, State.M_U, State.MX_I, State.MX_D, State.MSNP_I, State.MSNP_S, State.MEV_I)] {
            // Without clean exclusive copies an E socket line always has one core owning it, modified.
            let shared = x == .M || cleanExclusive
            if shared {
                t.add([x], [.GetS], [.grantS], xU, "read hit; other cores share")
                t.add([x], [.GetS_Alone], alone, xU, grantE ? "read hit, no core holds it: grant E" : "read hit, no core holds it: grant S (variant)")
            }
            t.add([x], [.GetS_Owned], [.downgradeOwner], xD, "read of a line a core owns: downgrade the owner")
            t.add([x], [.GetM], [.invalidateOthers], xI, "write: invalidate every other core's copy")
            if cleanExclusive && notify {
                t.add([x], [.PutOwnerClean], [.clearOwner, .sendPutAck], nil, "the owner evicts a clean line")
            }
            t.add([x], [.PutOwnerDirty], [.writeData, .clearOwner, .sendPutAck], .M, "the owner writes its dirty line back")
            // A clean exclusive line's sharers leave only by PutS; a dirty one's also by the
            // PutM of an owner downgraded meanwhile.
            if x == .M || (cleanExclusive && notify) {
                t.add([x], [.PutSharer], [.removeSharer, .sendPutAck], nil, "a sharing core evicts (PutS, or the PutM of an owner downgraded meanwhile)")
            }
            t.add([x], [.PutStale], [.sendPutAck], nil, "eviction crossed an invalidation")
            t.add([x], [.SnpInv], [.invalidateAll], snpI, "the home invalidates the socket")
            t.add([x], [.SnpData], [.downgradeOwner], snpS, "the home downgrades the socket: downgrade the owning core")
            t.add([x], [.Replace], [.invalidateAll], ev, "LLC eviction: back-invalidate")
        }
        // Local invalidation for a core's write. An owner never coexists with sharers, so
        // dirty data only ever comes with the last (only) ack.
        t.add([.EX_I], [.Ack], [.countAck], nil, "a sharing core dropped its copy")
        t.add([.EX_I], [.LastAck], [.grantM], .E_U, "all copies gone: grant ownership")
        t.add([.EX_I], [.LastAckData], [.writeData, .grantM], .M_U, "the former owner handed over dirty data: grant ownership")
        t.add([.MX_I], [.Ack], [.countAck], nil, "a sharing core dropped its copy")
        t.add([.MX_I], [.LastAck], [.grantM], .M_U, "all copies gone: grant ownership")
        t.add([.MX_I], [.LastAckData], [.writeData, .grantM], .M_U, "the former owner handed over dirty data: grant ownership")
        // Local downgrade for a core's read
        if cleanExclusive {
            t.add([.EX_D], [.LastAck], [.ownerToSharer, .grantS], .E_U, "owner kept S, clean: share")
            t.add([.MX_D], [.LastAck], [.ownerToSharer, .grantS], .M_U, "owner kept S, clean: share")
        }
        t.add([.EX_D], [.LastAckData], [.writeData, .ownerToSharer, .grantS], .M_U, "owner handed over dirty data: share")
        t.add([.MX_D], [.LastAckData], [.writeData, .ownerToSharer, .grantS], .M_U, "owner handed over dirty data: share")
        // Home snoops
        t.add([.SSNP_I, .MSNP_I] + (cleanExclusive ? [.ESNP_I] : []), [.Ack], [.countAck], nil, "a sharing core dropped its copy")
        t.add([.SSNP_I] + (cleanExclusive ? [.ESNP_I] : []), [.LastAck], [.sendRspI, .deallocate], .I, "socket invalidated, clean")
        t.add([.ESNP_I, .MSNP_I], [.LastAckData], [.writeData, .sendRspIWb, .deallocate], .I, "socket invalidated: dirty data to the home")
        t.add([.MSNP_I], [.LastAck], [.sendRspIWb, .deallocate], .I, "socket invalidated: dirty data to the home")
        if cleanExclusive { t.add([.ESNP_S], [.LastAck], [.ownerToSharer, .sendRspS], .S, "socket downgraded, clean") }
        t.add([.ESNP_S, .MSNP_S], [.LastAckData], [.writeData, .ownerToSharer, .sendRspSWb], .S, "socket downgraded: dirty data to the home")
        t.add([.MSNP_S], [.LastAck], [.ownerToSharer, .sendRspSWb], .S, "socket downgraded: dirty data to the home")
        // Eviction
        t.add([.SEV_I, .MEV_I] + (cleanExclusive ? [.EEV_I] : []), [.Ack], [.countAck], nil, "a core dropped its copy")
        if silent {
            t.add([.SEV_I] + (cleanExclusive ? [.EEV_I] : []), [.LastAck], [.deallocate], .I, "silent clean eviction")
        } else {
            t.add([.SEV_I], [.LastAck], [.sendWbShared], .SI_A, "notified clean eviction of a shared line")
            if cleanExclusive { t.add([.EEV_I], [.LastAck], [.sendWbClean], .EI_A, "notified clean eviction of an exclusive line") }
        }
        t.add([.EEV_I, .MEV_I], [.LastAckData], [.writeData, .sendWbDirty], .MI_A, "dirty eviction: data to the home")
        t.add([.MEV_I], [.LastAck], [.sendWbDirty], .MI_A, "dirty eviction: data to the home")
        // Busy with a local transaction: park core requests and home snoops
        // No core owns the line here: a requester that is still the recorded owner (it dropped
        // E silently) leaves nobody to invalidate, so the grant follows at once.
        t.add([.EX_I, .MX_I], [.GetS, .GetS_Alone, .GetM, .PutStale], [.stall], nil, "line busy: wait")
        let downgrading = [Event.GetS_Owned, .GetM, .PutOwnerDirty, .PutStale]
            + when(cleanExclusive && notify, [.PutOwnerClean])
            + when(silent, [.GetS_Alone])    // the downgraded owner dropped its S silently and re-reads
            + when(notify, [.PutSharer])     // the downgraded owner's PutS, overtaking its ack
        t.add([.EX_D, .MX_D, .ESNP_S, .MSNP_S], downgrading, [.stall], nil, "line busy: wait")
        t.add([.SSNP_I, .ESNP_I, .MSNP_I, .SEV_I, .EEV_I, .MEV_I], toEmptyLine, [.stall], nil, "line busy: wait")
        t.add([.EX_I, .MX_I, .EX_D, .MX_D, .EEV_I, .MEV_I], [.SnpInv, .SnpData], [.stall], nil,
              "finish the local transaction, then answer the home")
        t.add([.SEV_I], [.SnpInv], [.stall], nil, "finish the local transaction, then answer the home")
        // Eviction in flight
        t.add([.MI_A, .II_A], [.WbAck], [.deallocate], .I, "eviction acknowledged")
        t.add([.MI_A], [.SnpInv, .SnpData], [.sendRspIWb], .II_A, "writeback crossed a snoop: the data goes with the response")
        t.add([.MI_A, .II_A], toEmptyLine, [.stall], nil, "line being evicted: wait for WbAck")
        if notify {
            t.add([.SI_A], [.WbAck], [.deallocate], .I, "eviction acknowledged")
            t.add([.SI_A], [.SnpInv], [.sendRspI], .II_A, "eviction crossed an invalidation")
            t.add([.SI_A], toEmptyLine, [.stall], nil, "line being evicted: wait for WbAck")
            if cleanExclusive {
                t.add([.EI_A], [.WbAck], [.deallocate], .I, "eviction acknowledged")
                t.add([.EI_A], [.SnpInv, .SnpData], [.sendRspI], .II_A, "clean eviction crossed a snoop")
                t.add([.EI_A], toEmptyLine, [.stall], nil, "line being evicted: wait for WbAck")
            }
        }
        return Table(name: "llc", doc: "socket LLC: directory of its cores and caching agent toward the home", rows: t.rows)
    }
}
