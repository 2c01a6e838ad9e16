import KonaProtocol
import KonaVerification
import Testing

/// For each row of the CXL tables, a reachable state and step that fire it: breadth first
/// over two hosts sharing one line, then, for the rows that need two *other* holders (the
/// smallest system that reaches every row has three hosts), over three hosts without FMem
/// evictions (which those rows do not need), until every row is found.
enum CXLWitnesses {
    struct Witness: Sendable { var state: CXLSystem; var step: CXLSystem.Step }

    static let found: (host: [Int: Witness], device: [Int: Witness]) = {
        let tables = CXLTables()
        var host: [Int: Witness] = [:], device: [Int: Witness] = [:]
        func search(hosts: Int, frameEvictions: Bool) {
            let start = CXLSystem(hosts: hosts)
            var seen: Set<CXLSystem> = [start]
            var frontier = [start]
            while !frontier.isEmpty && (host.count < tables.host.rows.count || device.count < tables.device.rows.count) {
                var next: [CXLSystem] = []
                for state in frontier {
                    for step in state.enabledSteps() where frameEvictions || step != .evictFrame {
                        var s = state, h = Set<Int>(), d = Set<Int>()
                        try? s.apply(step, tables: tables, hostRows: &h, deviceRows: &d)
                        for r in h where host[r] == nil { host[r] = Witness(state: state, step: step) }
                        for r in d where device[r] == nil { device[r] = Witness(state: state, step: step) }
                        if seen.insert(s).inserted { next.append(s) }
                    }
                }
                frontier = next
            }
        }
        search(hosts: 2, frameEvictions: true)
        search(hosts: 3, frameEvictions: false)
        return (host, device)
    }()
}

@Suite struct CXLVerify {
    @Test(arguments: CXLHostProtocol.table.rows.indices)
    func everyHostRowFiresAndMovesTheLineToItsNextState(_ r: Int) throws {
        let table = CXLHostProtocol.table, row = table.rows[r]
        let witness = try #require(CXLWitnesses.found.host[r], "(\(row.state.name), \(row.event.name)) never fires")
        var s = witness.state, h = Set<Int>(), d = Set<Int>(), log: [String] = []
        try s.apply(witness.step, tables: CXLTables(), hostRows: &h, deviceRows: &d, log: &log)
        let line = "cxl-host"
        #expect(log.contains { $0.hasPrefix(line) && $0.contains("(\(row.state.name), \(row.event.name)) -> \(row.next.name)") }, "\(log)")
    }

    @Test(arguments: CXLDeviceProtocol.table.rows.indices)
    func everyDeviceRowFiresAndMovesTheEntryToItsNextState(_ r: Int) throws {
        let table = CXLDeviceProtocol.table, row = table.rows[r]
        let witness = try #require(CXLWitnesses.found.device[r], "(\(row.state.name), \(row.event.name)) never fires")
        var s = witness.state, h = Set<Int>(), d = Set<Int>(), log: [String] = []
        try s.apply(witness.step, tables: CXLTables(), hostRows: &h, deviceRows: &d, log: &log)
        #expect(log.contains { $0.hasPrefix("cxl-device: (\(row.state.name), \(row.event.name))") && $0.hasSuffix("-> \(row.next.name)") }, "\(log)")
    }

    @Test func twoHostsExploreCleanAndLeaveOnlyMultiSharerRowsUnreached() {
        let report = CXLExplorer(hosts: 2).run()
        #expect(report.violation == nil, "\(report.violation?.problem ?? "")")
        #expect(report.states > 10_000 && report.depth > 10)
        #expect(report.unreachedHostRows.isEmpty)
        // Two hosts: a snoop of "every other holder" has one target, so no Rsp before the last (an eviction of two sharers has two).
        #expect(report.unreachedDeviceRows.contains("(B_M, Rsp)") && report.unreachedDeviceRows.count < 20)
    }

    @Test(arguments: CXLBreakage.allCases)
    func eachBreakageIsCaught(_ breakage: CXLBreakage) throws {
        let report = CXLExplorer(hosts: 2, tables: breakage.tables).run()
        let violation = try #require(report.violation, "\(breakage.rawValue) not caught")
        switch breakage {
        case .droppedBIRsp, .missingConflictAck: #expect(violation.problem.hasPrefix("deadlock"), "\(violation.problem)")
        case .snoopDropsDirtyData: #expect(violation.problem.contains("lost") || violation.problem.contains("stale"), "\(violation.problem)")
        case .evictSkipsBISnp: #expect(violation.problem.hasPrefix("snoop filter not inclusive"), "\(violation.problem)")
        }
    }

    @Test func thePromelaModelCarriesEveryRowAndEachBreakage() {
        let model = CXLPromelaExport.model(hosts: 2)
        for row in CXLHostProtocol.table.rows {
            #expect(model.contains("hIdx[H_\(row.state.name)*HE_NE + HE_\(row.event.name)]"), "(\(row.state.name), \(row.event.name))")
        }
        for row in CXLDeviceProtocol.table.rows {
            #expect(model.contains("dIdx[D_\(row.state.name)*DE_NE + DE_\(row.event.name)]"), "(\(row.state.name), \(row.event.name))")
        }
        #expect(model.contains("#define H 2") && CXLPromelaExport.model(hosts: 3).contains("#define H 3"))
        for breakage in CXLBreakage.allCases {
            #expect(CXLPromelaExport.model(hosts: 2, breakage: breakage) != model, "\(breakage.rawValue)")
        }
    }
}
