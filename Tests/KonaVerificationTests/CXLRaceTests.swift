import KonaProtocol
import KonaVerification
import Testing

/// The named back-invalidation races, each played step by step on the tables.
@Suite struct CXLRaces {
    /// A system and the transitions it has made, for scripting.
    struct Script {
        var system: CXLSystem
        var log: [String] = []
        var hostRows = Set<Int>(), deviceRows = Set<Int>()
        init(hosts: Int) { system = CXLSystem(hosts: hosts) }

        mutating func step(_ step: CXLSystem.Step) throws {
            try system.apply(step, tables: CXLTables(), hostRows: &hostRows, deviceRows: &deviceRows, log: &log)
        }
        mutating func core(_ host: Int, _ event: CXLHostProtocol.Event) throws { try step(.core(host: host, event)) }
        mutating func device(_ event: CXLDeviceProtocol.Event) throws { try step(.device(event)) }
        /// Delivers the first `message` in flight between the device and `host`.
        mutating func deliver(_ message: CXLMessage, _ host: Int) throws {
            let queue = system.queues[host][message.messageClass.rawValue]
            let index = try #require(queue.firstIndex { $0.message == message }, "no \(message.specName) in flight for host\(host)")
            if message.messageClass.isOrdered { try #require(index == 0, "\(message.specName) is behind \(queue[0].message.specName)") }
            try step(.deliver(host: host, message.messageClass, index: index))
        }
        func fired(_ text: String) -> Bool { log.contains { $0.contains(text) } }
    }

    /// host0 loads (E), host1 loads: host0 is downgraded and both share the line.
    func twoSharers() throws -> Script {
        var s = Script(hosts: 2)
        try s.core(0, .Load); try s.deliver(.MemRdData, 0); try s.deliver(.CmpE, 0); try s.deliver(.MemData, 0)
        try s.core(1, .Load); try s.deliver(.MemRdData, 1); try s.deliver(.BISnpData, 0); try s.deliver(.BIRspS, 0)
        try s.deliver(.CmpS, 1); try s.deliver(.MemData, 1)
        #expect(s.system.hosts.map(\.line.state) == [.S, .S] && s.system.device.entry.state == .S && s.system.device.entry.sharers == 0b11)
        return s
    }

    @Test func aMemRdCrossingABISnpThatCameFirstIsAnsweredFromI() throws {
        var s = try twoSharers()
        try s.core(0, .Store)                          // host0 drops S, MemRd in flight
        try s.device(.Evict)                           // the snoop filter gives the entry up first
        try s.deliver(.BISnpInv, 0)
        #expect(s.system.hosts[0].line.state == .IM_CDX && s.fired("(IM_CD, BISnpInv) -> IM_CDX"))
        try s.deliver(.BIConflict, 0)                  // the device has not taken the MemRd: ack alone
        try s.deliver(.BIConflictAck, 0)
        #expect(s.fired("(IM_CDX, BIConflictAck_HeldInv) -> IM_CD"))
        try s.deliver(.BIRspI, 0)
        try s.deliver(.BISnpInv, 1); try s.deliver(.BIRspI, 1)
        #expect(s.system.device.entry.state == .I && s.fired("(B_I, LastRspI) from host1 -> I"))
        try s.deliver(.MemRd, 0)                       // now the store miss is served
        try s.deliver(.MemData, 0); try s.deliver(.CmpE, 0)
        #expect(s.system.hosts[0].line.state == .M && s.system.device.entry.owner == 0 && s.system.isQuiescent)
    }

    @Test func aMemRdCrossingABISnpSentAfterItsCmpIsAnsweredAfterTheData() throws {
        var s = Script(hosts: 1)
        try s.core(0, .Store); try s.deliver(.MemRd, 0)   // granted: Cmp-E and MemData in flight
        try s.device(.Evict)                               // BISnpInv overtakes the Cmp-E
        try s.deliver(.BISnpInv, 0); try s.deliver(.BIConflict, 0)
        // NDR is ordered: the ack cannot pass the Cmp-E sent before it.
        #expect(s.system.queues[0][CXLMessageClass.s2mNDR.rawValue].map(\.message) == [.CmpE, .BIConflictAck])
        try s.deliver(.CmpE, 0); try s.deliver(.BIConflictAck, 0)
        #expect(s.system.hosts[0].line.state == .IM_D && s.system.hosts[0].line.held == .BISnpInv)
        try s.deliver(.MemData, 0)                         // the store happens, then the held snoop: data first
        #expect(s.fired("(IM_D, MemData_HeldInv) -> MI_C"))
        try s.deliver(.MemWr, 0); try s.deliver(.Cmp, 0); try s.deliver(.BIRspI, 0)
        #expect(s.system.device.entry.state == .I && s.system.device.memoryFresh && s.system.isQuiescent)
    }

    @Test func aMemWrCrossingABISnpIsWrittenBeforeTheBIRsp() throws {
        var s = Script(hosts: 1)
        try s.core(0, .Store); try s.deliver(.MemRd, 0); try s.deliver(.CmpE, 0); try s.deliver(.MemData, 0)
        try s.core(0, .Evict)                              // MemWr in flight
        try s.device(.Evict)                               // BISnpInv crosses it
        try s.deliver(.BISnpInv, 0)
        #expect(s.system.hosts[0].line.state == .MI_C && s.system.hosts[0].line.held == .BISnpInv)
        #expect(s.system.queues[0][CXLMessageClass.m2sBIRsp.rawValue].isEmpty, "the BIRsp must wait for the write's Cmp")
        try s.deliver(.MemWr, 0)
        #expect(s.fired("(B_I, MemWr) from host0 -> B_I") && s.system.device.memoryFresh)
        try s.deliver(.Cmp, 0)
        #expect(s.fired("(MI_C, Cmp_HeldInv) -> I"))
        try s.deliver(.BIRspI, 0)
        #expect(s.system.device.entry.state == .I && s.system.isQuiescent)
    }

    @Test func aSnoopFilterEvictionWhileTheLinesRequestIsInFlightParksIt() throws {
        var s = Script(hosts: 2)
        try s.core(1, .Store); try s.deliver(.MemRd, 1); try s.deliver(.CmpE, 1); try s.deliver(.MemData, 1)
        try s.core(0, .Load)                               // MemRdData in flight
        try s.device(.Evict)                               // the entry goes first: back-invalidate host1
        try s.deliver(.MemRdData, 0)
        #expect(s.fired("(B_I, MemRdData_Owned) from host0 -> B_I") && s.system.device.parked.count == 1)
        try s.deliver(.BISnpInv, 1); try s.deliver(.MemWr, 1); try s.deliver(.Cmp, 1); try s.deliver(.BIRspI, 1)
        // The entry is free, then the parked read is served from the written-back line.
        #expect(s.fired("(B_I, LastRspI) from host1 -> I") && s.fired("(I, MemRdData_Alone) from host0 -> E"))
        try s.deliver(.MemData, 0); try s.deliver(.CmpE, 0)
        #expect(s.system.hosts.map(\.line.state) == [.E, .I] && s.system.hosts[0].fresh && s.system.isQuiescent)
    }

    @Test func anFMemEvictionBackInvalidatesFirstAndWritesTheDirtyLineToRemoteMemory() throws {
        var s = Script(hosts: 1)
        try s.core(0, .Store); try s.deliver(.MemRd, 0); try s.deliver(.CmpE, 0); try s.deliver(.MemData, 0)
        #expect(s.system.device.resident && !s.system.device.memoryFresh && !s.system.device.remoteFresh)
        try s.step(.evictFrame)                            // the block goes: its entry first
        #expect(s.system.device.entry.state == .B_I && s.system.device.evicting && s.system.device.resident)
        try s.deliver(.BISnpInv, 0); try s.deliver(.MemWr, 0)
        #expect(s.system.device.dirty && s.system.device.memoryFresh && !s.system.device.remoteFresh)
        try s.deliver(.Cmp, 0); try s.deliver(.BIRspI, 0)
        // The entry is free: the dirty frame went to remote memory and was dropped.
        #expect(!s.system.device.resident && s.system.device.remoteFresh && s.system.isQuiescent)
        try s.core(0, .Load); try s.deliver(.MemRdData, 0); try s.deliver(.MemData, 0); try s.deliver(.CmpE, 0)
        #expect(s.system.hosts[0].line.state == .E && s.system.hosts[0].fresh && s.system.device.resident && !s.system.device.dirty)
    }
}
