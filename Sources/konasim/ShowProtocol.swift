import ArgumentParser
import KonaOutputs
import KonaProtocol

extension KonaSimCommand {
    /// `konasim protocol`: print the transition tables.
    struct ShowProtocol: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "protocol",
            abstract: "Print the coherence protocol's transition tables (docs/protocol.md is `--all`).")

        enum Controller: String, ExpressibleByArgument, CaseIterable { case core, llc, home, fpga }
        enum Format: String, ExpressibleByArgument, CaseIterable { case md, csv, dot }

        @Option(help: "Which table: core, llc, home or fpga (the FPGA home agent: home plus recalls; default: all).") var controller: Controller?
        @Option(help: "md, csv or dot.") var format: Format = .md
        @Flag(help: "Grant only S on a read miss with no other holder (variant).") var grantShared = false
        @Flag(help: "Silent clean evictions (variant).") var silentCleanEviction = false
        @Flag(help: "The whole document: every table and the rows each variant changes (docs/protocol.md).") var all = false

        func run() throws {
            if all {
                print(ProtocolExport.document(), terminator: "")
                return
            }
            let variant = ProtocolVariant(grantExclusive: !grantShared, silentCleanEviction: silentCleanEviction)
            let f = ProtocolExport.Format(rawValue: format.rawValue)!
            let chosen = controller.map { [$0] } ?? Controller.allCases
            for c in chosen {
                switch c {
                case .core: print(ProtocolExport.render(CoreComplexProtocol.table(variant), format: f, variant: variant), terminator: "")
                case .llc: print(ProtocolExport.render(LLCProtocol.table(variant), format: f, variant: variant), terminator: "")
                case .home: print(ProtocolExport.render(HomeProtocol.table(variant), format: f, variant: variant), terminator: "")
                case .fpga: print(ProtocolExport.render(HomeProtocol.fpgaTable(variant), format: f, variant: variant), terminator: "")
                }
            }
        }
    }
}
