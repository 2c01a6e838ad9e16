import KonaProtocol

/// Executes `CXLDeviceProtocol`: the one executor of the device coherence engine's table,
/// shared by the timed CXL home and the verifier (`CXLSystem`). It refines an arriving M2S
/// message by the line's snoop filter entry, looks up the row (a missing row is an error,
/// never a default), performs its actions on the entry and through `CXLDeviceEffects`, and
/// moves the entry to the row's next state.
///
/// - Complexity: O(actions of the row + hosts) per message; allocates nothing itself.
public enum CXLDeviceEngine {
    /// The table event for `message` from host `h`, given the line's `entry`; `keepsCopy` is
    /// a `MemWr`'s MetaValue (S or A: the sender keeps a copy).
    public static func refine(_ message: CXLMessage, keepsCopy: Bool, from h: Int,
                              entry: CXLDeviceEntry) throws(CXLProtocolError) -> CXLDeviceProtocol.Event {
        let bit = UInt8(1) << h
        let ownedByOther = entry.owner >= 0 && Int(entry.owner) != h
        let others = entry.sharers & ~bit != 0 || ownedByOther
        switch message {
        case .MemRdData: return ownedByOther ? .MemRdData_Owned : others ? .MemRdData_Shared : .MemRdData_Alone
        case .MemRd: return ownedByOther ? .MemRd_Owned : others ? .MemRd_Shared : .MemRd_Alone
        case .MemInv:
            if Int(entry.owner) == h { return .MemInv_Last }
            if entry.sharers & bit != 0 { return entry.sharers == bit ? .MemInv_Last : .MemInv_Sharer }
            return .MemInv_Stale
        case .MemWr: return keepsCopy ? .MemWr_Keep : .MemWr
        case .MemWrPtl: return entry.sharers != 0 || entry.owner >= 0 ? .MemWrPtl_Cached : .MemWrPtl_Alone
        case .BIConflict: return .BIConflict
        case .BIRspI, .BIRspS, .BIRspE:
            guard entry.pending > 0 else {
                throw CXLProtocolError(problem: "device: \(message.specName) from host\(h), none expected")
            }
            if entry.pending > 1 {
                guard message == .BIRspI || !entry.lists(h) else {
                    throw CXLProtocolError(problem: "device: \(message.specName) from host\(h) to a BISnpInv")
                }
                return .Rsp
            }
            return message == .BIRspI || !entry.lists(h) ? .LastRspI : message == .BIRspS ? .LastRspS : .LastRspE
        default:
            throw CXLProtocolError(problem: "device cannot take \(message.specName)")
        }
    }

    /// Fires the row for (`entry.state`, `event`): `message` and `packet` are what arrived
    /// from host `sender` (nil and -1 for the engine's own decisions, `Evict` and `Clean`).
    /// A message's answer goes to its sender; a decision's or a response's, to the requester.
    /// Returns the row's position in `table`.
    @discardableResult
    public static func run<E: CXLDeviceEffects>(_ event: CXLDeviceProtocol.Event, message: CXLMessage?, packet: E.Packet?,
                                                sender: Int, entry: inout CXLDeviceEntry, table: CXLDeviceProtocol.Table,
                                                effects: inout E) throws(CXLProtocolError) -> Int {
        let state = entry.state
        guard let r = table.rowIndex(state, event) else {
            throw CXLProtocolError(problem: "cxl-device: no row for (\(state.name), \(event.name))" + (sender >= 0 ? " from host\(sender)" : ""))
        }
        let isRequest = message == .MemRdData || message == .MemRd || message == .MemWrPtl
        if isRequest && !table.rows[r].isStall(.stall) { entry.requester = Int8(sender) }
        if event == .LastRspI || event == .LastRspS || event == .LastRspE { entry.pending = 0 }
        let target = sender >= 0 && message?.messageClass != .m2sBIRsp ? sender : Int(entry.requester)
        for i in Int(table.actionStarts[r])..<Int(table.actionStarts[r + 1]) {
            switch table.actionList[i] {
            case .sendData: effects.sendData(to: target)
            case .grantS:
                effects.send(.CmpS, to: target)
                entry.sharers |= UInt8(1) << target
            case .grantE:
                effects.send(.CmpE, to: target)
                entry.owner = Int8(target)
                entry.sharers = 0
            case .writeMemory: effects.writeMemory(packet)
            case .mergeMemory: try effects.mergeMemory()
            case .sendCmp: effects.send(.Cmp, to: target)
            case .snoopInvOthers: snoop(.BISnpInv, except: target, entry: &entry, effects: &effects)
            case .snoopInvAll: snoop(.BISnpInv, except: -1, entry: &entry, effects: &effects)
            case .snoopDataOwner: snoopOwner(.BISnpData, entry: &entry, effects: &effects)
            case .snoopCurOwner: snoopOwner(.BISnpCur, entry: &entry, effects: &effects)
            case .countRsp: entry.pending -= 1
            case .ownerToSharer:
                entry.sharers = UInt8(1) << Int(entry.owner)
                entry.owner = -1
            case .clearOwner: entry.owner = -1
            case .removeSender:
                entry.sharers &= ~(UInt8(1) << sender)
                if Int(entry.owner) == sender { entry.owner = -1 }
            case .clearEntry:
                entry.sharers = 0
                entry.owner = -1
            case .sendBIConflictAck: effects.send(.BIConflictAck, to: sender)
            case .recalled:
                guard entry.sharers == 0 && entry.owner < 0 else {
                    throw CXLProtocolError(problem: "device: entry freed while hosts are listed (\(state.name), \(event.name))")
                }
                effects.recalled()
            case .stall:
                guard let packet else {
                    throw CXLProtocolError(problem: "cxl-device: (\(state.name), \(event.name)) parks no message")
                }
                effects.park(packet, sender: sender)
            }
        }
        entry.state = table.nextStates[r]
        if entry.isStable { entry.requester = -1 }
        return r
    }

    /// Sends `message` to every listed host but `except`; that many responses are expected.
    static func snoop<E: CXLDeviceEffects>(_ message: CXLMessage, except: Int, entry: inout CXLDeviceEntry, effects: inout E) {
        var count: UInt8 = 0
        for h in 0..<8 where h != except && entry.lists(h) {
            effects.send(message, to: h)
            count += 1
        }
        entry.pending = count
    }

    /// Sends `message` to the owner, if any; its response is expected.
    static func snoopOwner<E: CXLDeviceEffects>(_ message: CXLMessage, entry: inout CXLDeviceEntry, effects: inout E) {
        guard entry.owner >= 0 else {
            entry.pending = 0
            return
        }
        effects.send(message, to: Int(entry.owner))
        entry.pending = 1
    }
}
