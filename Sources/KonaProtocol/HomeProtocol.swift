/// A home agent: the directory for the lines it homes (I, S with a sharer set, EM with an
/// owner socket) in front of their memory.
///
/// Blocking per line: while a line waits for snoop responses, further requests and
/// writebacks for it are parked. Requests are refined before lookup by the directory
/// entry (`_Alone`: no other socket holds the line; `_Owned`: another socket owns it), as
/// are writebacks (`WbStale`: the sender no longer holds the line, its writeback crossed
/// a snoop) and responses (`LastRsp...` for the last expected one, by what it carries).
///
/// The FPGA home agent uses the same table plus `Recall` (`fpgaTable`): to evict an FMem
/// block it takes each of the block's lines back from the sockets (snoop-invalidating the
/// sharers or the owner, collecting dirty data) before writing the block's dirty lines to
/// remote memory. It recalls only lines in a stable state and holds new requests for a block
/// under eviction itself, so no request meets a recalling line. Lines no socket holds (I)
/// are not recalled. With a non-inclusive FMem (`FMemInclusion.nonInclusive`) the table has
/// `Release` rows instead: the block leaves FMem while the sockets keep their copies and the
/// directory its entries; the owner's later dirty writeback of such a line, met while the
/// block is still out of FMem, goes straight to remote memory (`WbOwnerDirty_Released`).
public enum HomeProtocol {
    /// Per-line directory states.
    public enum State: Int, ProtocolVocabulary {
        case I, S, EM
        case S_C, EM_C
        case SU_I, SR_I, EM_I, EM_S
        case S_R, EM_R

        public var doc: String {
            switch self {
            case .I: "no socket holds the line"
            case .S: "sockets in the sharer set hold clean copies"
            case .EM: "one socket owns the line (E or M; it may be dirty)"
            case .S_C: "a socket was granted a shared copy, waiting for its CmpAck"
            case .EM_C: "a socket was granted ownership, waiting for its CmpAck"
            case .SU_I: "invalidating other sharers for an UpgradeReq"
            case .SR_I: "invalidating sharers for a RdOwn"
            case .EM_I: "snoop-invalidating the owner for a RdOwn"
            case .EM_S: "snooping the owner for a RdShared"
            case .S_R: "FPGA: invalidating every sharer to evict the line's FMem block"
            case .EM_R: "FPGA: snoop-invalidating the owner to evict the line's FMem block"
            }
        }
    }

    /// Requests, writebacks and snoop responses from caching agents, refined.
    public enum Event: Int, ProtocolVocabulary {
        case RdShared, RdShared_Alone, RdShared_Owned
        case RdOwn_Alone, RdOwn_Shared, RdOwn_Owned
        case Upgrade_Alone, Upgrade_Shared
        case WbOwnerDirty, WbOwnerClean, WbSharer, WbLastSharer, WbStale
        case Rsp, LastRspI, LastRspIData, LastRspS, LastRspSData, CmpAck
        case Recall
        case Release, WbOwnerDirty_Released

        public var doc: String {
            switch self {
            case .RdShared: "read-shared; other sockets share the line"
            case .RdShared_Alone: "read-shared; no other socket holds the line"
            case .RdShared_Owned: "read-shared; another socket owns the line"
            case .RdOwn_Alone: "read-for-ownership (or an upgrade from a socket that lost its copy); no other holder"
            case .RdOwn_Shared: "read-for-ownership; other sockets share the line"
            case .RdOwn_Owned: "read-for-ownership; another socket owns the line"
            case .Upgrade_Alone: "upgrade from a sharer; no other sharer"
            case .Upgrade_Shared: "upgrade from a sharer; other sharers"
            case .WbOwnerDirty: "the owner writes back dirty data"
            case .WbOwnerClean: "the owner evicts a clean line (notified)"
            case .WbSharer: "a sharer evicts (notified), other sharers remain"
            case .WbLastSharer: "the last sharer evicts (notified)"
            case .WbStale: "an eviction from a socket the directory no longer lists (it crossed a snoop)"
            case .Rsp: "a snoop response, more expected"
            case .LastRspI: "last response: no copy kept, clean"
            case .LastRspIData: "last response: no copy kept, with dirty data"
            case .LastRspS: "last response: shared copy kept, clean"
            case .LastRspSData: "last response: shared copy kept, with dirty data"
            case .CmpAck: "the granted socket received its grant"
            case .Recall: "FPGA: the eviction engine takes the line back from the sockets (its FMem block is evicted)"
            case .Release: "FPGA, non-inclusive: the line's FMem block is evicted while the sockets keep their copies"
            case .WbOwnerDirty_Released: "FPGA, non-inclusive: the owner writes back dirty data while the line's block is out of FMem"
            }
        }
    }

    /// What a transition does.
    public enum Action: Int, ProtocolVocabulary {
        case readMemory, writeMemory
        case grantS, grantE, grantOwnership
        case snoopInvSharers, snoopInvOwner, snoopDataOwner, countRsp
        case ownerToSharer, clearOwner, removeSender, sendWbAck
        case snoopInvAll, recalled
        case writeRemote
        case stall

        public var doc: String {
            switch self {
            case .readMemory: "read the line from memory for the requester"
            case .writeMemory: "write the carried data to memory"
            case .grantS: "send DataS to the requester; add it to the sharers"
            case .grantE: "send DataEx to the requester; it becomes the owner, no sharers remain"
            case .grantOwnership: "send GntE to the requesting sharer; it becomes the owner, no sharers remain"
            case .snoopInvSharers: "send SnpInv to every sharer except the requester; expect their responses"
            case .snoopInvOwner: "send SnpInv to the owner; expect its response"
            case .snoopDataOwner: "send SnpData to the owner; expect its response"
            case .countRsp: "one expected response fewer"
            case .ownerToSharer: "the snooped owner keeps a shared copy"
            case .clearOwner: "the owner no longer holds the line"
            case .removeSender: "the evicting sharer no longer holds the line"
            case .sendWbAck: "acknowledge the eviction"
            case .snoopInvAll: "send SnpInv to every sharer; expect their responses"
            case .recalled: "tell the eviction engine that no socket holds the line any more"
            case .writeRemote: "write the carried data straight to remote memory (the line's block is out of FMem)"
            case .stall: "park the request until the line's transaction completes"
            }
        }
    }

    public typealias Table = ProtocolTable<State, Event, Action>

    /// The table for `variant`.
    public static func table(_ variant: ProtocolVariant) -> Table {
        var t = RowBuilder<State, Event, Action>()
        let notify = !variant.silentCleanEviction
        let silent = variant.silentCleanEviction
        // A socket re-requests a line the directory still lists it for only after dropping
        // its copy silently (a notified eviction keeps the LLC line busy until WbAck); an
        // owner drops silently only a clean exclusive copy, which needs grant-E.
        let sharerReRequests = silent
        let ownerReRequests = silent && variant.grantExclusive
        // Only with grant-E does a socket ever hold an exclusive line clean (see LLCProtocol).
        let cleanExclusive = variant.grantExclusive
        let readAlone: [Action] = variant.grantExclusive ? [.readMemory, .grantE] : [.readMemory, .grantS]
        let readAloneNext: State = variant.grantExclusive ? .EM_C : .S_C
        let note = variant.grantExclusive ? "no other holder: grant E" : "no other holder: grant S (variant)"
        // From I
        t.add([.I], [.RdShared_Alone], readAlone, readAloneNext, "read miss; " + note)
        t.add([.I], [.RdOwn_Alone], [.readMemory, .grantE], .EM_C, "ownership from memory")
        t.add([.I], [.WbStale], [.sendWbAck], nil, "eviction crossed a snoop")
        // From S
        t.add([.S], [.RdShared], [.readMemory, .grantS], .S_C, "another sharer")
        // With grant-E a shared line has two or more listed sharers until one leaves by a
        // notified eviction, so with silent evictions no sharer is ever alone.
        let loneSharer = !(variant.grantExclusive && silent)
        if sharerReRequests && loneSharer {
            t.add([.S], [.RdShared_Alone], readAlone, readAloneNext, "re-read by the only listed sharer (dropped silently); " + note)
            t.add([.S], [.RdOwn_Alone], [.readMemory, .grantE], .EM_C, "the only listed sharer dropped its copy silently and writes")
        }
        t.add([.S], [.RdOwn_Shared], [.snoopInvSharers], .SR_I, "write: invalidate the sharers first")
        if loneSharer { t.add([.S], [.Upgrade_Alone], [.grantOwnership], .EM_C, "the only sharer upgrades") }
        t.add([.S], [.Upgrade_Shared], [.snoopInvSharers], .SU_I, "upgrade: invalidate the other sharers first")
        if notify {
            t.add([.S], [.WbSharer], [.removeSender, .sendWbAck], nil, "a sharer evicts")
            t.add([.S], [.WbLastSharer], [.removeSender, .sendWbAck], .I, "the last sharer evicts")
        }
        t.add([.S], [.WbStale], [.sendWbAck], nil, "eviction crossed a snoop")
        // From EM
        t.add([.EM], [.RdShared_Owned], [.snoopDataOwner], .EM_S, "read of an owned line: snoop the owner")
        t.add([.EM], [.RdOwn_Owned], [.snoopInvOwner], .EM_I, "write to an owned line: snoop-invalidate the owner")
        if ownerReRequests {
            t.add([.EM], [.RdShared_Alone], readAlone, readAloneNext, "the owner dropped a clean line silently and re-reads; " + note)
            t.add([.EM], [.RdOwn_Alone], [.readMemory, .grantE], .EM_C, "the owner dropped a clean line silently and writes")
        }
        t.add([.EM], [.WbOwnerDirty], [.writeMemory, .clearOwner, .sendWbAck], .I, "dirty writeback")
        if notify && cleanExclusive { t.add([.EM], [.WbOwnerClean], [.clearOwner, .sendWbAck], .I, "notified clean eviction") }
        t.add([.EM], [.WbStale], [.sendWbAck], nil, "eviction crossed a snoop")
        // Granted: nothing else for the line until the CmpAck
        t.add([.S_C], [.CmpAck], [], .S, "the socket has its copy")
        t.add([.EM_C], [.CmpAck], [], .EM, "the socket has its copy")
        // Collecting snoop responses
        t.add([.SU_I, .SR_I], [.Rsp], [.countRsp], nil, "a sharer dropped its copy")
        t.add([.SU_I], [.LastRspI], [.grantOwnership], .EM_C, "sharers gone: grant the upgrade")
        t.add([.SR_I], [.LastRspI], [.readMemory, .grantE], .EM_C, "sharers gone: grant ownership with data")
        if cleanExclusive {
            t.add([.EM_I], [.LastRspI], [.readMemory, .grantE], .EM_C, "owner gone, memory is current: grant ownership")
        }
        t.add([.EM_I], [.LastRspIData], [.writeMemory, .grantE], .EM_C, "owner handed over dirty data: grant ownership")
        if cleanExclusive {
            t.add([.EM_S], [.LastRspS], [.ownerToSharer, .readMemory, .grantS], .S_C, "owner kept a clean shared copy")
            t.add([.EM_S], [.LastRspI], [.clearOwner] + readAlone, readAloneNext, "owner had dropped the line; " + note)
        }
        t.add([.EM_S], [.LastRspSData], [.writeMemory, .ownerToSharer, .grantS], .S_C, "owner kept S; dirty data to memory")
        t.add([.EM_S], [.LastRspIData], [.writeMemory, .clearOwner] + (variant.grantExclusive ? [.grantE] : [.grantS]),
              readAloneNext, "owner gave up the line with dirty data; " + note)
        // Busy: park what can arrive (by what the directory then records for the line)
        t.add([.S_C], [.RdShared, .RdOwn_Shared, .Upgrade_Shared, .WbStale]
              + (variant.grantExclusive ? [] : [.Upgrade_Alone])          // the granted socket alone upgrades
              + (sharerReRequests && !variant.grantExclusive ? [.RdShared_Alone, .RdOwn_Alone] : [])
              + (notify ? [.WbSharer] : []) + (notify && !variant.grantExclusive ? [.WbLastSharer] : []),
              [.stall], nil, "grant in flight: wait for the CmpAck")
        let owned: [Event] = [.RdShared_Owned, .RdOwn_Owned, .WbOwnerDirty, .WbStale]
            + (notify && cleanExclusive ? [.WbOwnerClean] : []) + (ownerReRequests ? [.RdShared_Alone, .RdOwn_Alone] : [])
        t.add([.EM_C], owned, [.stall], nil, "grant in flight: wait for the CmpAck")
        // The snooped owner may re-request before its response arrives (it is still listed):
        // after an invalidation it reads or writes again; after a downgrade it keeps S and
        // may upgrade (a RdOwn from the listed owner) or, dropping its S silently, re-read.
        t.add([.EM_I], owned + (ownerReRequests ? [] : [.RdShared_Alone, .RdOwn_Alone]), [.stall], nil, "line busy: wait")
        t.add([.EM_S], owned + (ownerReRequests ? [] : [.RdOwn_Alone] + (silent ? [.RdShared_Alone] : [])), [.stall], nil,
              "line busy: wait")
        t.add([.SU_I], [.RdShared, .RdOwn_Shared, .WbStale], [.stall], nil, "line busy: wait")
        t.add([.SR_I], [.RdShared_Alone, .RdOwn_Alone, .WbStale] + (sharerReRequests ? [.RdShared, .RdOwn_Shared] : []),
              [.stall], nil, "line busy: wait")
        return Table(name: "home", doc: "home agent: directory in front of memory", rows: t.rows)
    }

    /// The FPGA home agent's table for `variant`: the home table plus, with an inclusive FMem,
    /// the recall of lines for FMem evictions, or, with a non-inclusive one, their release.
    public static func fpgaTable(_ variant: ProtocolVariant, inclusion: FMemInclusion = .inclusive) -> Table {
        var t = RowBuilder<State, Event, Action>()
        switch inclusion {
        case .inclusive: addRecallRows(&t, variant)
        case .nonInclusive: addReleaseRows(&t)
        }
        let home = table(variant)
        return switch inclusion {
        case .inclusive:
            Table(name: "fpga", doc: "FPGA home agent: the home directory plus recalls for FMem evictions", rows: home.rows + t.rows)
        case .nonInclusive:
            Table(name: "fpga_noninclusive", doc: "FPGA home agent, non-inclusive FMem: the home directory plus releases for FMem evictions",
                  rows: home.rows + t.rows)
        }
    }

    /// Inclusive FMem: an eviction takes each held line of the block back from the sockets.
    private static func addRecallRows(_ t: inout RowBuilder<State, Event, Action>, _ variant: ProtocolVariant) {
        let notify = !variant.silentCleanEviction
        let cleanExclusive = variant.grantExclusive
        t.add([.S], [.Recall], [.snoopInvAll], .S_R, "evict: invalidate every sharer")
        t.add([.EM], [.Recall], [.snoopInvOwner], .EM_R, "evict: snoop-invalidate the owner")
        t.add([.S_R], [.Rsp], [.countRsp], nil, "a sharer dropped its copy")
        t.add([.S_R], [.LastRspI], [.recalled], .I, "sharers gone: the line is home")
        // A sharer's eviction notice crossing the recall is acknowledged only after the
        // sharer's snoop response: the WbAck must not overtake the SnpInv (the socket would
        // be in I when the snoop arrives). In every variant a former owner's writeback that
        // crossed an earlier snoop (its data already home) can arrive as well: it waits too.
        t.add([.S_R], [.WbStale], [.stall], nil,
              "a writeback crossed the recall (a sharer's eviction, or a stale one): wait for the snoop responses")
        if cleanExclusive { t.add([.EM_R], [.LastRspI], [.clearOwner, .recalled], .I, "the owner had a clean copy: the line is home") }
        t.add([.EM_R], [.LastRspIData], [.writeMemory, .clearOwner, .recalled], .I, "the owner handed over dirty data: the line is home")
        t.add([.EM_R], [.WbOwnerDirty, .WbStale] + (notify && cleanExclusive ? [.WbOwnerClean] : []), [.stall], nil,
              "the owner's writeback crossed the recall: wait for its snoop response")
    }

    /// Non-inclusive FMem: an eviction leaves each held line with the sockets. The block's
    /// dirty lines go to remote memory with the eviction, so remote memory is current for
    /// every line no socket owns; an owner's dirty data follows by its own writeback. Lines
    /// in a transaction are never released (their block is not a victim), and requests for
    /// a block out of FMem wait for its re-fetch, so only the owner's writeback can meet a
    /// released line.
    private static func addReleaseRows(_ t: inout RowBuilder<State, Event, Action>) {
        t.add([.S], [.Release], [], nil, "evict without recall: the sharers keep their clean copies, the entry stays")
        t.add([.EM], [.Release], [], nil, "evict without recall: the owner keeps its copy, the entry stays")
        t.add([.EM], [.WbOwnerDirty_Released], [.writeRemote, .clearOwner, .sendWbAck], .I,
              "dirty writeback while the block is out of FMem: straight to remote memory")
    }
}
