import Testing
import KonaEngine

@Suite struct FNV1aTests {
    /// Published FNV-1a 64-bit test vectors (the FNV authors' test suite).
    @Test(arguments: [("", 0xcbf2_9ce4_8422_2325 as UInt64), ("a", 0xaf63_dc4c_8601_ec8c), ("b", 0xaf63_df4c_8601_f1a5),
                      ("foobar", 0x8594_4171_f739_67e8)])
    func matchesThePublishedVectors(_ text: String, _ expected: UInt64) {
        #expect(FNV1a.hash(text) == expected, "FNV-1a 64 of \"\(text)\": \(String(FNV1a.hash(text), radix: 16))")
    }

    @Test func combiningInPiecesEqualsHashingTheWhole() {
        var h = FNV1a()
        h.combine("foo".utf8)
        h.combine("bar".utf8)
        #expect(h.value == FNV1a.hash("foobar"))
        #expect(h.hex == "85944171f73967e8")
    }

    @Test func hexKeepsLeadingZeros() {
        // 0xaf63... has no leading zero; search a short string whose hash starts with 0 and
        // check the 16-digit form against the value.
        let text = (0..<4096).map { "k\($0)" }.first { FNV1a.hash($0) >> 60 == 0 }!
        var h = FNV1a()
        h.combine(text.utf8)
        #expect(h.hex.count == 16 && h.hex.first == "0" && UInt64(h.hex, radix: 16) == h.value)
    }
}
