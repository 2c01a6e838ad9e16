import ArgumentParser
import KonaProtocol
import KonaVerification

extension KonaSimCommand {
    /// `konasim protocol`: print the transition tables.
    struct ShowProtocol: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "protocol",
            abstract: "Print the coherence protocol's transition tables (docs/protocol.md is `--all`).")

        enum Controller: String, ExpressibleByArgument, CaseIterable {
            case core, llc, home, fpga, fpga_noninclusive
            case cxlHost = "cxl-host", cxlDevice = "cxl-device"
        }
        enum Format: String, ExpressibleByArgument, CaseIterable { case md, csv, dot, promela }
        enum PromelaHome: String, ExpressibleByArgument, CaseIterable { case cpu, fpga, fpga_non_inclusive, cxl }

        @Option(help: "Which table: core, llc, home, fpga (the FPGA home agent: home plus recalls), fpga_noninclusive (home plus releases), cxl-host or cxl-device (CXL HDM-DB; default: all).") var controller: Controller?
        @Option(help: "md, csv, dot, or promela (a SPIN model of a small system, generated from the tables; docs/verification.md).") var format: Format = .md
        @Option(help: "promela: the variant as grant=e|s,clean=notify|silent (overrides --grant-shared, --silent-clean-eviction).") var variant: String?
        @Option(help: "promela: the home agent, cpu, fpga (FMem of one block holding every line), fpga_non_inclusive (the same, non-inclusive) or cxl (--agents hosts sharing one line of a CXL HDM-DB device, 1-3).")
        var home: PromelaHome = .cpu
        @Option(help: "promela: number of sockets (each one LLC with one core complex).") var agents = 2
        @Option(help: "promela: number of lines.") var addresses = 1
        @Option(help: "promela: channel ordering, fifo or unordered.") var ordering: PromelaExport.Ordering = .fifo
        @Option(help: ArgumentHelp("promela: start at most K loads, stores, evictions, LLC replacements and FPGA evictions, as verify --operations (1-64; no bound by default).", valueName: "K"))
        var operations: Int?
        @Option(help: .hidden) var `break`: String?
        @Flag(help: "Grant only S on a read miss with no other holder (variant).") var grantShared = false
        @Flag(help: "Silent clean evictions (variant).") var silentCleanEviction = false
        @Flag(help: "The whole document: every table and the rows each variant changes (docs/protocol.md).") var all = false

        func run() throws {
            if all {
                print(ProtocolExport.document(), terminator: "")
                return
            }
            var variant = ProtocolVariant(grantExclusive: !grantShared, silentCleanEviction: silentCleanEviction)
            if let text = self.variant {
                guard let v = ProtocolVariant(parsing: text) else {
                    throw ValidationError("--variant: expected grant=e|s,clean=notify|silent, got '\(text)'")
                }
                variant = v
            }
            if format == .promela && home == .cxl {
                guard (1...3).contains(agents) else { throw ValidationError("--home cxl: --agents (hosts) 1 to 3") }
                var breakage: CXLBreakage?
                if let name = self.break {
                    guard let b = CXLBreakage(rawValue: name) else {
                        throw ValidationError("--break with --home cxl: one of " + CXLBreakage.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    breakage = b
                }
                print(CXLPromelaExport.model(hosts: agents, breakage: breakage), terminator: "")
                return
            }
            if format == .promela {
                guard (1...8).contains(agents), (1...8).contains(addresses) else {
                    throw ValidationError("--agents and --addresses: 1 to 8")
                }
                if let operations { guard (1...64).contains(operations) else { throw ValidationError("--operations: 1 to 64") } }
                var breakage: ProtocolBreakage?
                if let name = self.break {
                    guard let b = ProtocolBreakage(rawValue: name) else {
                        throw ValidationError("--break: one of " + ProtocolBreakage.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    breakage = b
                }
                print(PromelaExport.model(.init(agents: agents, addresses: addresses, variant: variant, home: home == .fpga ? .fpga : home == .fpga_non_inclusive ? .fpgaNonInclusive : .cpu,
                                                ordering: ordering, breakage: breakage, operations: operations)), terminator: "")
                return
            }
            let f = ProtocolExport.Format(rawValue: format.rawValue)!   // md, csv, dot
            let chosen = controller.map { [$0] } ?? Controller.allCases
            for c in chosen {
                switch c {
                case .core: print(ProtocolExport.render(CoreComplexProtocol.table(variant), format: f, variant: variant), terminator: "")
                case .llc: print(ProtocolExport.render(LLCProtocol.table(variant), format: f, variant: variant), terminator: "")
                case .home: print(ProtocolExport.render(HomeProtocol.table(variant), format: f, variant: variant), terminator: "")
                case .fpga: print(ProtocolExport.render(HomeProtocol.fpgaTable(variant), format: f, variant: variant), terminator: "")
                case .fpga_noninclusive:
                    print(ProtocolExport.render(HomeProtocol.fpgaTable(variant, inclusion: .nonInclusive), format: f, variant: variant),
                          terminator: "")
                case .cxlHost: print(ProtocolExport.render(CXLHostProtocol.table, format: f, variant: nil), terminator: "")
                case .cxlDevice: print(ProtocolExport.render(CXLDeviceProtocol.table, format: f, variant: nil), terminator: "")
                }
            }
        }
    }
}

extension PromelaExport.Ordering: ExpressibleByArgument {}
