import Testing
import KonaProtocol
@testable import KonaHardware

@Suite struct LineRecordTests {
    /// The LLC's and the directory's line records stay 24 bytes (32 a slot in a `LineMap`):
    /// a directory tracking every line of an 8 MiB LLC is 4 MB, not 8.
    @Test func lineRecordsAreCompact() {
        #expect(MemoryLayout<LLCController.Line>.size == 24)
        #expect(MemoryLayout<DirectoryController.Line>.size == 24)
    }

    /// The narrow fields read back what was stored, an absent owner included.
    @Test func narrowFieldsRoundTrip() {
        var llc = LLCController.Line(state: .M, data: 9, sharers: 0b101, owner: 63, requester: 62, acks: 64)
        #expect(llc.owner == 63 && llc.requester == 62 && llc.acks == 64 && llc.data == 9 && llc.sharers == 0b101)
        llc.owner = nil
        llc.acks -= 1
        #expect(llc.owner == nil && llc.acks == 63)
        var home = DirectoryController.Line(state: .I, sharers: 0b11, owner: 0, requester: 7, responses: 3, data: 4)
        #expect(home.owner == 0 && home.requester == 7 && home.responses == 3 && home.data == 4)
        home.makeOwner(5)
        #expect(home.owner == 5 && home.sharers == 0)
        home.ownerToSharer()
        #expect(home.owner == nil && home.sharers == 1 << 5)
    }
}
