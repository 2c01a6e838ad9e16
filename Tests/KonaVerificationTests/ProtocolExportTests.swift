#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KonaProtocol
import KonaVerification
import Testing

@Suite struct ProtocolDocument {
    @Test func docsProtocolMdIsInSync() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        #expect(ProtocolExport.document() == file, "run scripts/gen-embedded to regenerate docs/protocol.md")
    }

    @Test func exportsAreWellFormed() {
        let v = ProtocolVariant()
        let csv = ProtocolExport.render(LLCProtocol.table(v), format: .csv, variant: v)
        #expect(csv.split(separator: "\n").count == LLCProtocol.table(v).rows.count + 1)
        let dot = ProtocolExport.render(CoreComplexProtocol.table(v), format: .dot, variant: v)
        #expect(dot.hasPrefix("digraph core {") && dot.contains("\"I\" -> \"IS_D\""))
    }
}
