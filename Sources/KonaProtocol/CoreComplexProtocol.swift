/// The coherence controller of a core's private cache complex (L1D + L2) toward the
/// socket LLC: intra-socket MESI with the transient states of a real implementation.
public enum CoreComplexProtocol {
    /// Per-line states of a core complex.
    public enum State: Int, ProtocolVocabulary {
        case I, S, E, M
        case IS_D, IM_AD, SM_A, MI_A, EI_A, SI_A, II_A

        public var doc: String {
            switch self {
            case .I: "not present"
            case .S: "shared: readable, clean"
            case .E: "exclusive: readable, writable without asking, clean"
            case .M: "modified: the only copy, dirty"
            case .IS_D: "GetS sent, waiting for data"
            case .IM_AD: "GetM sent (or an upgrade lost its copy), waiting for data with ownership"
            case .SM_A: "Upgrade sent while holding S, waiting for the grant"
            case .MI_A: "PutM sent (data in the writeback buffer), waiting for PutAck"
            case .EI_A: "PutE sent, waiting for PutAck"
            case .SI_A: "PutS sent, waiting for PutAck"
            case .II_A: "copy already given up to a snoop, waiting for the PutAck of a crossed eviction"
            }
        }
    }

    /// Events: the core's own operations and the messages from the LLC.
    public enum Event: Int, ProtocolVocabulary {
        case Load, Store, Evict
        case Data, DataE, DataM, GntM, PutAck, Inv, Downgrade

        public var doc: String {
            switch self {
            case .Load: "the core loads from the line"
            case .Store: "the core stores to the line"
            case .Evict: "the complex replaces the line"
            case .Data: "shared copy from the LLC"
            case .DataE: "exclusive clean copy from the LLC"
            case .DataM: "ownership with data from the LLC"
            case .GntM: "ownership without data from the LLC"
            case .PutAck: "the LLC acknowledges our eviction"
            case .Inv: "the LLC invalidates our copy"
            case .Downgrade: "the LLC asks us (the owner) to keep only a shared copy"
            }
        }
    }

    /// What a transition does.
    public enum Action: Int, ProtocolVocabulary {
        case hitLoad, hitStore, fillLoad, fillStore
        case sendGetS, sendGetM, sendUpgrade, sendPutM, sendPutE, sendPutS
        case sendInvAck, sendInvAckData, sendDowngradeAck, sendDowngradeAckData
        case sendUnblock, dropLine, stall

        public var doc: String {
            switch self {
            case .hitLoad: "complete the load from the present copy"
            case .hitStore: "complete the store into the present copy (a fresh value)"
            case .fillLoad: "install the data from the message and complete the load"
            case .fillStore: "install the data from the message and complete the store"
            case .sendGetS: "send GetS to the LLC"
            case .sendGetM: "send GetM to the LLC"
            case .sendUpgrade: "send Upgrade to the LLC"
            case .sendPutM: "send PutM with the dirty data"
            case .sendPutE: "send PutE"
            case .sendPutS: "send PutS"
            case .sendInvAck: "answer InvAck (no data)"
            case .sendInvAckData: "answer InvAckData with the dirty data"
            case .sendDowngradeAck: "answer DowngradeAck (no data)"
            case .sendDowngradeAckData: "answer DowngradeAckData with the dirty data"
            case .sendUnblock: "tell the LLC the grant arrived (it may serve the line again)"
            case .dropLine: "free the line's storage"
            case .stall: "park the event until the line's state changes (never guess)"
            }
        }
    }

    public typealias Table = ProtocolTable<State, Event, Action>

    /// The message an action sends to the LLC, if it is a plain send (data, when the
    /// message carries any, is the line's value).
    public static func message(of action: Action) -> MessageKind? {
        switch action {
        case .sendGetS: .GetS
        case .sendGetM: .GetM
        case .sendUpgrade: .Upgrade
        case .sendPutM: .PutM
        case .sendPutE: .PutE
        case .sendPutS: .PutS
        case .sendInvAck: .InvAck
        case .sendInvAckData: .InvAckData
        case .sendDowngradeAck: .DowngradeAck
        case .sendDowngradeAckData: .DowngradeAckData
        case .sendUnblock: .Unblock
        default: nil
        }
    }

    /// The table for `variant`.
    public static func table(_ variant: ProtocolVariant) -> Table {
        var t = RowBuilder<State, Event, Action>()
        let silent = variant.silentCleanEviction
        let grantE = variant.grantExclusive
        // From I
        t.add([.I], [.Load], [.sendGetS], .IS_D, "read miss")
        t.add([.I], [.Store], [.sendGetM], .IM_AD, "write miss")
        if silent {
            t.add([.I], [.Inv], [.sendInvAck], nil, "stale invalidation of a copy dropped silently")
            if grantE {
                t.add([.I], [.Downgrade], [.sendInvAck], nil, "stale downgrade: an E copy was dropped silently; the LLC's copy is current")
            }
        }
        // From S
        t.add([.S], [.Load], [.hitLoad], nil, "read hit")
        t.add([.S], [.Store], [.sendUpgrade], .SM_A, "write to a shared copy: ask for ownership")
        if silent {
            t.add([.S], [.Evict], [.dropLine], .I, "silent clean eviction")
        } else {
            t.add([.S], [.Evict], [.sendPutS, .dropLine], .SI_A, "notified clean eviction")
        }
        t.add([.S], [.Inv], [.sendInvAck, .dropLine], .I, "invalidated")
        // From E (only when reads may be granted E)
        if grantE {
            t.add([.E], [.Load], [.hitLoad], nil, "read hit")
            t.add([.E], [.Store], [.hitStore], .M, "write hit: silent E -> M")
            if silent {
                t.add([.E], [.Evict], [.dropLine], .I, "silent clean eviction")
            } else {
                t.add([.E], [.Evict], [.sendPutE, .dropLine], .EI_A, "notified clean eviction")
            }
            t.add([.E], [.Inv], [.sendInvAck, .dropLine], .I, "invalidated, clean")
            t.add([.E], [.Downgrade], [.sendDowngradeAck], .S, "another core reads: keep a shared copy")
        }
        // From M
        t.add([.M], [.Load], [.hitLoad], nil, "read hit")
        t.add([.M], [.Store], [.hitStore], nil, "write hit")
        t.add([.M], [.Evict], [.sendPutM, .dropLine], .MI_A, "dirty eviction: data goes with PutM")
        t.add([.M], [.Inv], [.sendInvAckData, .dropLine], .I, "invalidated: the dirty data goes with the ack")
        t.add([.M], [.Downgrade], [.sendDowngradeAckData], .S, "another core reads: hand over the dirty data, keep S")
        // Waiting for data. The LLC snoops a core only after its Unblock, so a snoop met
        // here is stale (aimed at a copy dropped silently before this miss): answer it.
        t.add([.IS_D], [.Data], [.fillLoad, .sendUnblock], .S, "shared copy arrives")
        if grantE { t.add([.IS_D], [.DataE], [.fillLoad, .sendUnblock], .E, "exclusive copy arrives") }
        t.add([.IM_AD], [.DataM], [.fillStore, .sendUnblock], .M, "ownership with data arrives")
        if silent {
            t.add([.IS_D, .IM_AD], [.Inv], [.sendInvAck], nil, "stale invalidation of a copy dropped silently before this miss")
            if grantE {
                t.add([.IS_D, .IM_AD], [.Downgrade], [.sendInvAck], nil, "stale downgrade of an E copy dropped silently before this miss")
            }
        }
        // Upgrade in flight
        t.add([.SM_A], [.GntM], [.hitStore, .sendUnblock], .M, "ownership granted; our S data is current")
        t.add([.SM_A], [.Inv], [.sendInvAck], .IM_AD, "upgrade lost to another writer: the LLC will answer with DataM")
        // Evictions in flight
        t.add([.MI_A, .II_A], [.PutAck], [], .I, "eviction acknowledged")
        t.add([.MI_A], [.Inv], [.sendInvAckData], .II_A, "writeback crossed a snoop: the data goes with the ack, PutM is now stale")
        t.add([.MI_A], [.Downgrade], [.sendDowngradeAckData], .II_A, "writeback crossed a downgrade: hand over the data; the LLC counts us a sharer until PutM")
        t.add([.II_A], [.Inv], [.sendInvAck], nil, "eviction crossed an invalidation")
        if !silent {
            t.add([.SI_A], [.PutAck], [], .I, "eviction acknowledged")
            t.add([.SI_A], [.Inv], [.sendInvAck], .II_A, "eviction crossed an invalidation")
            if grantE {
                t.add([.EI_A], [.PutAck], [], .I, "eviction acknowledged")
                t.add([.EI_A], [.Inv], [.sendInvAck], .II_A, "clean eviction crossed a snoop")
                t.add([.EI_A], [.Downgrade], [.sendDowngradeAck], .II_A, "clean eviction crossed a downgrade")
            }
        }
        return Table(name: "core", doc: "private cache complex of a core (L1D + L2) toward the socket LLC", rows: t.rows)
    }
}
