import KonaProtocol
import Testing

@Suite struct CXLTables {
    @Test func messagesTravelInTheirSpecClassAndDirection() {
        #expect(CXLMessage.MemRd.messageClass == .m2sReq && CXLMessage.BIConflict.messageClass == .m2sRwD)
        #expect(CXLMessage.MemWr.messageClass == .m2sRwD && CXLMessage.MemWrPtl.messageClass == .m2sRwD)
        #expect(CXLMessage.BIRspE.messageClass == .m2sBIRsp && CXLMessage.BISnpCur.messageClass == .s2mBISnp)
        #expect(CXLMessage.BIConflictAck.messageClass == .s2mNDR && CXLMessage.CmpE.messageClass == .s2mNDR)
        #expect(CXLMessage.MemData.messageClass == .s2mDRS)
        let toDevice = CXLMessage.allCases.filter { $0.messageClass.isHostToDevice }.map(\.specName)
        #expect(toDevice == ["MemRd", "MemRdData", "MemInv", "BIConflict", "MemWr", "MemWrPtl", "BIRspI", "BIRspS", "BIRspE"])
        // Only NDR is ordered: what makes BIConflictAck push the Cmp* sent before it.
        #expect(CXLMessageClass.allCases.filter(\.isOrdered) == [.s2mNDR])
        #expect(CXLMessage.allCases.filter(\.carriesData) == [.MemWr, .MemWrPtl, .MemData])
        #expect(CXLMessage.MemRd.metaValue == "A" && CXLMessage.MemRd.snpType == "SnpInv" && CXLMessage.MemInv.metaValue == "I")
    }

    @Test func hostEventsAreRefinedByTheHeldSnoop() {
        #expect(CXLHostProtocol.Event.arriving(.Cmp, held: nil) == .Cmp)
        #expect(CXLHostProtocol.Event.arriving(.Cmp, held: .BISnpData) == .Cmp_HeldData)
        #expect(CXLHostProtocol.Event.arriving(.MemData, held: .BISnpInv) == .MemData_HeldInv)
        #expect(CXLHostProtocol.Event.arriving(.BIConflictAck, held: .BISnpCur) == .BIConflictAck_HeldCur)
        // An ack without a held snoop, or an M2S message, is nothing the host can receive.
        #expect(CXLHostProtocol.Event.arriving(.BIConflictAck, held: nil) == nil)
        #expect(CXLHostProtocol.Event.arriving(.MemRd, held: nil) == nil)
    }

    @Test func theConflictHandshakeRowsSayWhoCameFirst() {
        let host = CXLHostProtocol.table
        // A BISnp before the read's Cmp opens a conflict; one after it is held for the new copy.
        #expect(host.row(.IR_CD, .BISnpInv)?.actions == [.holdSnoop, .sendBIConflict])
        #expect(host.row(.IE_D, .BISnpInv)?.actions == [.holdSnoop])
        // Ack first: answer from I, the read goes on. Cmp first: apply the snoop after the data.
        #expect(host.row(.IR_CDX, .BIConflictAck_HeldInv).map { ($0.actions, $0.next) } ?? ([], .I) == ([.dropHeld, .sendBIRspI], .IR_CD))
        #expect(host.row(.IR_CDX, .CmpE)?.next == .IE_DX && host.row(.IE_DX, .BIConflictAck_HeldInv)?.next == .IE_D)
        // Dirty data goes first; the BIRsp waits for the write's Cmp.
        #expect(host.row(.M, .BISnpInv)?.actions == [.holdSnoop, .sendMemWrI, .dropCopy])
        #expect(host.row(.MI_C, .Cmp_HeldInv)?.actions == [.dropHeld, .sendBIRspI])
        let device = CXLDeviceProtocol.table
        for state: CXLDeviceProtocol.State in [.B_I, .B_M, .B_S, .B_W, .B_C] {
            #expect(device.row(state, .BIConflict)?.actions == [.sendBIConflictAck])
            #expect(device.row(state, .MemWr)?.actions == [.writeMemory, .removeSender, .sendCmp])
            #expect(device.row(state, .MemRd_Alone)?.actions == [.stall])
        }
        // A stable entry never meets a BIConflict or a response: those are protocol errors.
        #expect(device.row(.E, .BIConflict) == nil && device.row(.S, .LastRspI) == nil)
    }

    @Test func everyEntryFreedSaysSoAndOnlyStableStatesAreLeftByEvict() {
        let device = CXLDeviceProtocol.table
        for row in device.rows where row.next == .I && row.state != .I {
            #expect(row.actions.contains(.recalled), "(\(row.state.name), \(row.event.name)) frees the entry without recalled")
        }
        #expect(device.rows.filter { $0.event == .Evict }.map(\.state) == [.S, .E])
    }
}
