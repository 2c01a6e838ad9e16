import KonaHardware
import KonaProtocol

/// Renders the stress tester's coverage: every row of every table with its hit count (the
/// CPU home's and the FPGA's tables, inclusive and non-inclusive, for the homes that ran).
public enum CoverageReport {
    /// The report for each variant run.
    public static func render(_ runs: [(key: ProtocolVariant, value: CoherenceStress.Coverage)]) -> String {
        var out = ""
        for (variant, coverage) in runs {
            out += "coverage with \(variant):\n"
            out += section(CoreComplexProtocol.table(variant), coverage.core)
            out += section(LLCProtocol.table(variant), coverage.llc)
            if let home = coverage.home { out += section(HomeProtocol.table(variant), home) }
            if let fpga = coverage.fpga { out += section(HomeProtocol.fpgaTable(variant), fpga) }
            if let fpga = coverage.fpgaNonInclusive { out += section(HomeProtocol.fpgaTable(variant, inclusion: .nonInclusive), fpga) }
        }
        return out
    }

    static func section<S, E, A>(_ table: ProtocolTable<S, E, A>, _ coverage: RowCoverage) -> String {
        var out = ""
        var uncovered = 0
        for (i, row) in table.rows.enumerated() {
            let hits = coverage.hits[i]
            if hits == 0 { uncovered += 1 }
            out += "  \(table.name) \(row.state.name) + \(row.event.name) -> \(row.next.name): \(hits)\(hits == 0 ? "  NOT COVERED" : "")\n"
        }
        return "  \(table.name): \(table.rows.count - uncovered)/\(table.rows.count) rows covered\n" + out
    }
}
