import Testing
import KonaEngine

@Suite struct JSONStringTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("say \"hi\"", "say \\\"hi\\\""),
        ("a\\b", "a\\\\b"),
        ("tab\there\nnew\u{0}nul\u{1F}", "tab\\u0009here\\u000anew\\u0000nul\\u001f"),
        ("grüße, 東京, 🙂", "grüße, 東京, 🙂"),
        ("\u{7F} is not a control below U+0020", "\u{7F} is not a control below U+0020"),
    ])
    func escapes(_ text: String, _ expected: String) {
        #expect(JSONString.escape(text) == expected)
        #expect(JSONString.quoted(text) == "\"" + expected + "\"")
    }
}
