import ArgumentParser
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
        if let violation = report.violation {
            print("  \(violation.problem), after \(violation.trace.count) steps:")
            for step in violation.trace {
                print("  \(step.step)")
                for t in step.transitions { print("      \(t)") }
            }
        }
        if report.violation != nil || truncated { throw ExitCode(3) }
    }
}
