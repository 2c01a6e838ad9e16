import ArgumentParser
import KonaProtocol
import KonaOutputs
import KonaVerification

extension KonaSimCommand.Verify {
    /// `konasim verify --home cxl`: the CXL HDM-DB tables, explored exhaustively on two hosts
    /// sharing one line whose snoop filter entry may be given up at any moment.
    func verifyCXL() throws {
        guard (1...3).contains(agents) else { throw ValidationError("--home cxl: --agents (hosts) must be 1 to 3") }
        guard addresses == 1, operations == nil else {
            throw ValidationError("--home cxl explores one line without a bound: --addresses and --operations do not apply")
        }
        var tables = CXLTables()
        if let name = `break` {
            guard let breakage = CXLBreakage(rawValue: name) else {
                throw ValidationError("--break with --home cxl takes one of " + CXLBreakage.allCases.map(\.rawValue).joined(separator: ", "))
            }
            tables = breakage.tables
        }
        let report = CXLExplorer(hosts: agents, tables: tables, maxStates: maxStates).run()
        let truncated = report.states >= maxStates && report.violation == nil
        print("verify \(agents) hosts x 1 line, cxl home (HDM-DB, snoop filter may drop its entry):")
        print("  \(report.violation == nil ? (truncated ? "stopped at --max-states" : "ok") : "VIOLATION"): "
              + "\(Summary.grouped(UInt64(report.states))) states, \(Summary.grouped(UInt64(report.transitions))) transitions, "
              + "depth \(report.depth), \(String(format: "%.2f", report.seconds)) s")
        print("  cxl-host: \(report.hostRows - report.unreachedHostRows.count) of \(report.hostRows) rows reached"
              + (report.unreachedHostRows.isEmpty ? "" : "; never: " + report.unreachedHostRows.joined(separator: ", ")))
        print("  cxl-device: \(report.deviceRows - report.unreachedDeviceRows.count) of \(report.deviceRows) rows reached"
              + (report.unreachedDeviceRows.isEmpty ? "" : "; never: " + report.unreachedDeviceRows.joined(separator: ", ")))
        if `break` == nil && testerSeeds > 0 { try printCXLTesterCoverage(report) }
        if let violation = report.violation {
            print("  \(violation.problem), after \(violation.trace.count) steps:")
            for step in violation.trace {
                print("  \(step.step)")
                for t in step.transitions { print("      \(t)") }
            }
        }
        if report.violation != nil || truncated { throw ExitCode(3) }
    }

    /// The rows the random tester (`CXLStress`, `--tester-seeds` seeds x 10,000 operations on the
    /// same hosts and one line) fires, beside the explorer's.
    func printCXLTesterCoverage(_ report: CXLExplorer.Report) throws {
        var total: CXLStress.Coverage?
        for seed in 1...UInt64(testerSeeds) {
            var c = CXLStress.Configuration()
            c.hosts = agents
            c.lines = 1
            c.seed = seed
            let covered = try CXLStress(c).run().coverage
            if total == nil { total = covered } else { total!.merge(covered) }
        }
        guard let total else { return }
        func line(_ name: String, _ rows: [String], _ hits: [Int], _ explorerMissed: [String]) {
            let missed = rows.indices.filter { hits[$0] == 0 }.map { rows[$0] }
            let onlyHere = Set(missed).subtracting(explorerMissed).sorted(), onlyTester = Set(explorerMissed).subtracting(missed).sorted()
            print("    \(name): random tester on the same system (\(testerSeeds) seeds x 10,000 operations): \(rows.count - missed.count) of \(rows.count)"
                  + (onlyHere.isEmpty ? "" : "; reached by the explorer only: " + onlyHere.joined(separator: ", "))
                  + (onlyTester.isEmpty ? "" : "; by the tester only: " + onlyTester.joined(separator: ", ")))
        }
        let host = CXLHostProtocol.table.rows.map { "(\($0.state.name), \($0.event.name))" }
        let device = CXLDeviceProtocol.table.rows.map { "(\($0.state.name), \($0.event.name))" }
        line("cxl-host", host, total.host, report.unreachedHostRows)
        line("cxl-device", device, total.device, report.unreachedDeviceRows)
    }
}
