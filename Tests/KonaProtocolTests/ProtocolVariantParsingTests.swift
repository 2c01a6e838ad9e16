import KonaProtocol
import Testing

@Suite struct ProtocolVariantParsingTests {
    @Test(arguments: ProtocolVariant.all)
    func theShortDescriptionParsesBack(_ variant: ProtocolVariant) throws {
        let parsed = try #require(ProtocolVariant(parsing: variant.shortDescription), "\(variant.shortDescription) did not parse")
        #expect(parsed == variant, "\(variant.shortDescription) parsed as \(parsed)")
    }

    @Test(arguments: [("", ProtocolVariant()), ("grant=s", ProtocolVariant(grantExclusive: false)),
                      ("clean=silent", ProtocolVariant(silentCleanEviction: true))])
    func aLeftOutPartKeepsItsDefault(_ text: String, _ expected: ProtocolVariant) {
        #expect(ProtocolVariant(parsing: text) == expected, "'\(text)' parsed as \(String(describing: ProtocolVariant(parsing: text)))")
    }

    @Test(arguments: ["grant", "grant=x", "clean=dirty", "ordering=fifo", "grant=e=s"])
    func malformedTextIsRejected(_ text: String) {
        #expect(ProtocolVariant(parsing: text) == nil, "'\(text)' parsed")
    }
}
