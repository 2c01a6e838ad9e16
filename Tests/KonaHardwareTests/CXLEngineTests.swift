import Testing
import KonaProtocol
@testable import KonaHardware

/// Effects that record what the CXL executors asked for, in order.
struct CXLRecorder: CXLDeviceEffects, CXLHostEffects {
    typealias Packet = CXLMessage
    var sent: [String] = []
    var recalls = 0
    var parked: [CXLMessage] = []

    mutating func send(_ message: CXLMessage, to host: Int) { sent.append("\(message.specName)->h\(host)") }
    mutating func sendData(to host: Int) { sent.append("MemData->h\(host)") }
    mutating func writeMemory(_ packet: CXLMessage?) { sent.append("write") }
    mutating func mergeMemory() throws(CXLProtocolError) { sent.append("merge") }
    mutating func recalled() { recalls += 1 }
    mutating func park(_ packet: CXLMessage, sender: Int) { parked.append(packet) }
    mutating func send(_ message: CXLMessage, from host: Int, keepsCopy: Bool) { sent.append("h\(host):\(message.specName)\(keepsCopy ? "+" : "")") }
    mutating func hit(_ event: CXLHostProtocol.Event, host: Int) throws(CXLProtocolError) { sent.append("hit") }
    mutating func takeData(_ packet: CXLMessage?, host: Int) { sent.append("take") }
    mutating func completeLoad(host: Int) throws(CXLProtocolError) { sent.append("load") }
    mutating func completeStore(host: Int) { sent.append("store") }
    mutating func dropCopy(host: Int) { sent.append("drop") }
}

@Suite struct CXLEngineTests {
    let device = CXLDeviceProtocol.table
    let host = CXLHostProtocol.table

    /// Delivers `message` from host `h` to the device: refined, then fired.
    func deliver(_ message: CXLMessage, from h: Int, _ entry: inout CXLDeviceEntry, _ r: inout CXLRecorder) throws {
        let event = try CXLDeviceEngine.refine(message, keepsCopy: false, from: h, entry: entry)
        try CXLDeviceEngine.run(event, message: message, packet: message, sender: h, entry: &entry, table: device, effects: &r)
    }

    @Test func anEvictionBackInvalidatesEverySharerAndFreesTheEntryOnTheLastResponse() throws {
        var e = CXLDeviceEntry(), r = CXLRecorder()
        try deliver(.MemRdData, from: 0, &e, &r)
        #expect(e.state == .E && e.owner == 0 && r.sent == ["MemData->h0", "Cmp-E->h0"])
        // host2 reads: the owner is downgraded with BISnpData, then both share.
        try deliver(.MemRdData, from: 2, &e, &r)
        #expect(e.state == .B_S && e.pending == 1 && r.sent.last == "BISnpData->h0")
        try deliver(.BIRspS, from: 0, &e, &r)
        #expect(e.state == .S && e.sharers == 0b101 && e.owner == -1)
        r.sent = []
        try CXLDeviceEngine.run(.Evict, message: nil, packet: nil, sender: -1, entry: &e, table: device, effects: &r)
        #expect(e.state == .B_I && e.pending == 2 && r.sent == ["BISnpInv->h0", "BISnpInv->h2"])
        try deliver(.MemRd, from: 1, &e, &r)
        #expect(r.parked == [.MemRd] && e.state == .B_I, "a request for a line being recalled is parked")
        try deliver(.BIRspI, from: 2, &e, &r)
        #expect(e.state == .B_I && e.pending == 1 && r.recalls == 0)
        try deliver(.BIRspI, from: 0, &e, &r)
        #expect(e.state == .I && e.sharers == 0 && e.requester == -1 && r.recalls == 1)
    }

    @Test func aResponseNobodyExpectsAndAMissingRowAreErrors() {
        var e = CXLDeviceEntry(), r = CXLRecorder()
        #expect(throws: CXLProtocolError.self) { try deliver(.BIRspI, from: 0, &e, &r) }
        do {
            try CXLDeviceEngine.run(.LastRspE, message: nil, packet: nil, sender: -1, entry: &e, table: device, effects: &r)
            Issue.record("(I, LastRspE) fired")
        } catch {
            #expect(error.problem == "cxl-device: no row for (I, LastRspE)")
        }
    }

    @Test func aHostHoldsASnoopAfterItsCompletionAndAnswersOnceItsDataIsIn() throws {
        var line = CXLHostLine(), r = CXLRecorder()
        func fire(_ message: CXLMessage) throws {
            let event = try #require(CXLHostProtocol.Event.arriving(message, held: line.held))
            try CXLHostEngine.run(event, host: 1, message: message, packet: message, line: &line, table: host, effects: &r)
        }
        try CXLHostEngine.run(.Store, host: 1, message: nil, packet: nil, line: &line, table: host, effects: &r)
        #expect(line.state == .IM_CD && r.sent == ["h1:MemRd"])
        try fire(.CmpE)
        try fire(.BISnpInv)
        #expect(line.state == .IM_D && line.held == .BISnpInv)
        try fire(.MemData)
        #expect(line.state == .MI_C && line.held == .BISnpInv, "the held snoop waits for the write-back's Cmp")
        #expect(r.sent == ["h1:MemRd", "take", "store", "h1:MemWr", "drop"])
    }
}
