#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import KonaVerification

@Suite struct PromelaExportTests {
    /// The main loop's choices of an event: `guard -> statements` lines that select one.
    private func choices(_ model: String) -> [Substring] {
        model.split(separator: "\n").filter { $0.hasPrefix("           :: ") && $0.contains("sel_ = EV_") }
    }

    @Test func unboundedModelHasNoCounter() {
        for home in PromelaExport.Home.allCases {
            let model = PromelaExport.model(.init(agents: 2, addresses: 2, home: home))
            #expect(!model.contains("ops"))
        }
    }

    @Test func boundedModelSpendsOneOperationOnEachStartAndNoneOnDeliveries() {
        for home in PromelaExport.Home.allCases {
            let model = PromelaExport.model(.init(agents: 2, addresses: 2, home: home, operations: 4))
            #expect(model.contains("byte ops = 4;"))
            let operations = ["EV_LOAD;", "EV_STORE;", "EV_EVICT;", "EV_REPLACE;", "EV_EVICTBLOCK"]
            var started = 0, delivered = 0
            for c in choices(model) {
                if operations.contains(where: { c.contains("sel_ = " + $0) }) {
                    started += 1
                    #expect(c.hasPrefix("           :: ops > 0 && ") && c.contains(" -> ops--; sel_ = "), "\(c)")
                } else {
                    delivered += 1
                    #expect(c.contains("sel_ = EV_DELIVER") && !c.contains("ops"), "\(c)")
                }
            }
            // Load, store, evict and replace per socket and line, and the FPGA's block eviction.
            #expect(started == 4 * 2 * 2 + (home == .cpu ? 0 : 1))
            #expect(delivered == 12 * 2)
        }
    }

    @Test func boundedModelEndsValidlyOnlyWhenQuiet() {
        let model = PromelaExport.model(.init(agents: 2, addresses: 1, home: .fpga, operations: 3))
        let end = model.split(separator: "\n").filter { $0.contains("goto end_quiescent") }
        #expect(end.count == 1)
        let guardText = end.first.map(String.init) ?? ""
        var work = (0..<2).map { "cpend[\($0)] == 0" } + (0..<24).map { "qn[\($0)] == 0" }
        work += (0..<2).map { "lpn[\($0)] == 0" } + ["hpn[0] == 0", "fblk != F_EVICTING"]
        for w in work { #expect(guardText.contains(w), "\(w)") }
    }

    /// The embedded text is `PromelaSemantics.pml` byte for byte (scripts/gen-embedded
    /// regenerates it), and every model carries it.
    @Test func theModelTextIsThePmlFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("Sources/KonaVerification/PromelaSemantics.pml"), encoding: .utf8)
        #expect(PromelaSemantics.text == file, "run scripts/gen-embedded after editing PromelaSemantics.pml")
        #expect(file.contains("inline step()"), "the file holds the main step")
        for home in PromelaExport.Home.allCases {
            let model = PromelaExport.model(.init(home: home))
            #expect(model.contains(file), "the \(home) model lacks the hand-written part")
        }
    }
}
