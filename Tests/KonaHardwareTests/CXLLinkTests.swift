import Testing
import KonaEngine
import KonaProtocol
@testable import KonaHardware

/// Hand sums on a link of 512 Gb/s per direction (a 256-byte flit every 4 ns, a 68-byte one
/// every 1.0625 ns), 20 ns each way and one switch of 50 ns (70 ns one way in all).
@Suite struct CXLLinkTests {
    static func link(_ format: CXLFlitFormat = .standard256, credits: Int = 8) -> CXLLink {
        CXLLink(path: "cxl.link", parameters: CXLLink.Parameters(format: format, bitsPerSecond: 512_000_000_000,
                                                                 latencyToDevice: 20_000, latencyToHost: 20_000,
                                                                 switchHops: 1, switchLatency: 50_000, credits: credits),
                stats: nil, simulatedTime: { 0 })
    }

    @Test func anIdleRequestWaitsForTheNextFlitThenItsCheckAndTheLatency() {
        let link = Self.link()
        #expect(link.send(.MemRd, at: 0) == 4_000 + 70_000, "flit 0: sent 0-4 ns")
        #expect(link.send(.MemRd, at: 1_000) == 8_000 + 70_000, "flit 0 is on the wire: flit 1, 4-8 ns")
        #expect(link.send(.MemRdData, at: 8_000) == 12_000 + 70_000, "a flit boundary: flit 2")
        #expect(link.counts(toDevice: true).flits == 3 && link.counts(toDevice: false).flits == 0)
    }

    @Test func messagesShareAFlitUntilItsFifteenSlotsAreFull() {
        let link = Self.link()
        for _ in 0..<3 { #expect(link.send(.MemData, at: 0) == 74_000, "5 slots each: slots 0-14 of flit 0") }
        #expect(link.send(.MemData, at: 0) == 78_000, "slots 15-19: flit 1")
        #expect(link.send(.Cmp, at: 0) == 78_000, "slot 20, flit 1")
        let c = link.counts(toDevice: false)
        #expect(c.flits == 2 && c.messages == 5 && c.slots == 21)
    }

    @Test func theLatencyOptimizedFlitDeliversItsFirstHalfEarly() {
        let link = Self.link(.latencyOptimized256)
        #expect(link.send(.MemData, at: 0) == 2_000 + 70_000, "slots 0-4: in the first 128-byte half")
        #expect(link.send(.MemData, at: 0) == 4_000 + 70_000, "slots 5-9: ends in the second half")
    }

    @Test func sixtyEightByteFlitsCarryFourSlots() {
        let link = Self.link(.flit68)
        #expect(link.send(.MemWr, at: 0) == 2_125 + 70_000, "5 slots: flits 0 and 1, the second ends at 2.125 ns")
        #expect(link.counts(toDevice: true).flits == 2)
    }

    @Test func aClassWithoutCreditsWaitsForTheOldestToComeBack() {
        let link = Self.link(credits: 1)
        #expect(link.send(.MemRd, at: 0) == 74_000)
        #expect(link.send(.MemInv, at: 0) == 144_000 + 4_000 + 70_000,
                "the credit is back at 74 + 70 ns; flit 36 starts then")
        #expect(link.send(.MemWr, at: 0) == 148_000 + 70_000,
                "another class has its own credit, but leaves behind the waiting message: slots 541-545, flit 36")
        #expect(link.counts(toDevice: true).creditStalls == 1)
    }
}
