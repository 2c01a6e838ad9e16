#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import KonaHardware
import KonaOutputs
import KonaProtocol
import KonaVerification

extension KonaSimCommand {
    /// `konasim verify`: every reachable state of a small system, explored exhaustively.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Explore every reachable state of a small system with the protocol's own controllers.",
            discussion: """
            The system: --agents sockets, each an LLC with one core, over --addresses lines, with \
            the CPU's home or the FPGA's (an FMem of one block that may be evicted at any moment; \
            --home fpga_non_inclusive: its eviction releases the held lines instead of recalling them). \
            Every state is checked for single-writer/multiple-reader, the data-value invariant (loads \
            see the last store; a line no cache holds has its latest value at home, also after every \
            FPGA eviction), missing table entries and deadlock, and the finished graph for livelock. \
            --operations K bounds the operations started (every interleaving of K, to quiescence): \
            what makes 2 x 2 and 3 x 1 finish. A violation prints the shortest trace and exits 3. \
            docs/verification.md explains what is and is not proven.
            """)

        enum GrantChoice: String, ExpressibleByArgument, CaseIterable { case e, s, both }
        enum EvictionChoice: String, ExpressibleByArgument, CaseIterable { case notify, silent, both }
        enum Reduction: String, ExpressibleByArgument, CaseIterable { case por, none }
        enum HomeChoice: String, ExpressibleByArgument, CaseIterable { case cpu, fpga, fpgaNonInclusive = "fpga_non_inclusive", cxl }

        @Option(help: "Caching agents (sockets, each with one core), 1-4.") var agents = 2
        @Option(help: "Lines, 1-8 (more than one: give --operations, or the run is very long).") var addresses = 1
        @Option(help: "The home: cpu (home table), fpga (FPGA table with evictions), fpga_non_inclusive (evictions release the held lines) or cxl (two hosts sharing one line of a CXL HDM-DB device; --agents, --addresses and --operations do not apply).")
        var home: HomeChoice = .cpu
        @Option(help: "Message ordering: fifo (in order per channel and line) or unordered.") var ordering: ProtocolExplorer.Ordering = .fifo
        @Option(help: "Lone read misses are granted E or only S, or both variants in turn.") var grant: GrantChoice = .e
        @Option(help: "Clean evictions notify or are silent, or both variants in turn.") var cleanEviction: EvictionChoice = .notify
        @Option(help: "Stop after this many states.") var maxStates = 50_000_000
        @Option(help: ArgumentHelp("Bound the loads, stores, evictions and replacements started to K: every interleaving of K operations, to quiescence (no bound by default).", valueName: "K"))
        var operations: Int?
        @Option(help: "Threads expanding states (the result does not depend on it).") var jobs = 1
        @Option(help: "With several lines: por (partial-order reduction, one line's steps where they stand for all) or none.")
        var reduction: Reduction = .por
        @Option(help: "Seeds of the random tester (konasim stress) run on the same system, whose row coverage is shown beside the explorer's; 0: none.")
        var testerSeeds = 10
        @Flag(help: "Skip the livelock check (it keeps every edge of the graph in memory).") var noLivelock = false
        @Option(help: ArgumentHelp("Write a violation's trace as a VCD waveform to FILE.", valueName: "file")) var vcd: String?
        @Option(help: .hidden) var `break`: String?

        func validate() throws {
            guard (1...4).contains(agents) else { throw ValidationError("--agents must be 1 to 4") }
            guard (1...8).contains(addresses) else { throw ValidationError("--addresses must be 1 to 8") }
            if let operations { guard (1...250).contains(operations) else { throw ValidationError("--operations must be 1 to 250") } }
            guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be 1 to 64") }
        }

        func run() throws {
            if home == .cxl { return try verifyCXL() }
            let grants = grant == .both ? [true, false] : [grant == .e]
            let evictions = cleanEviction == .both ? [false, true] : [cleanEviction == .silent]
            var failed = false
            for g in grants {
                for silent in evictions {
                    var c = ProtocolExplorer.Configuration()
                    c.agents = agents
                    c.addresses = addresses
                    c.home = switch home { case .cpu, .cxl: .cpu; case .fpga: .fpga; case .fpgaNonInclusive: .fpgaNonInclusive }
                    c.ordering = ordering
                    c.variant = ProtocolVariant(grantExclusive: g, silentCleanEviction: silent)
                    c.maxStates = maxStates
                    c.jobs = jobs
                    c.operations = operations
                    c.reduction = reduction == .por
                    c.livelock = !noLivelock
                    if let name = `break` {
                        guard let breakage = ProtocolBreakage(rawValue: name) else {
                            throw ValidationError("--break takes one of " + ProtocolBreakage.allCases.map(\.rawValue).joined(separator: ", "))
                        }
                        c.tables = breakage.tables(c.variant)
                    }
                    let terminal = isatty(STDERR_FILENO) == 1
                    var shown = 0.0
                    let report = ProtocolExplorer(c).run(progress: terminal ? { p in
                        guard p.seconds - shown >= 0.5 else { return }
                        shown = p.seconds
                        writeStandardError("\r  \(Summary.grouped(UInt64(p.states))) states, depth \(p.depth), \(Summary.grouped(UInt64(p.waiting))) waiting at it, "
                                           + "\(Summary.grouped(UInt64(Double(p.states) / max(p.seconds, 1e-9)))) states/s   ")
                    } : nil)
                    if terminal && shown > 0 { writeStandardError("\r\u{1B}[K") }
                    print("verify \(agents) agents x \(addresses) address\(addresses == 1 ? "" : "es"), \(home.rawValue) home, \(ordering.rawValue), \(c.variant):")
                    print("  \(report.violation == nil ? (report.truncated ? "stopped at --max-states" : "ok") : "VIOLATION"): "
                          + "\(Summary.grouped(UInt64(report.states))) states, \(Summary.grouped(UInt64(report.transitions))) transitions, depth \(report.depth), "
                          + "\(String(format: "%.2f", report.seconds)) s, \(Summary.grouped(UInt64(report.statesPerSecond))) states/s, "
                          + "peak memory \(report.peakMemoryBytes >> 20) MiB")
                    if report.reducedStates > 0 {
                        print("  partial-order reduction: \(Summary.grouped(UInt64(report.reducedStates))) states expanded by one line's steps only")
                    }
                    switch report.livelock {
                    case .passed(let operations):
                        print("  livelock: none (each of the \(operations) core x line operations can complete from every reachable state)")
                    case .failed:
                        print("  livelock: FOUND (below)")
                    case .notChecked(let reason):
                        if report.violation == nil && !report.truncated { print("  livelock: not checked (\(reason))") }
                    }
                    let tester = `break` == nil && testerSeeds > 0 ? try testerUnreached(c) : [:]
                    for t in report.coverage {
                        print("  \(t.table): \(t.reached) of \(t.rows) rows reached" + (t.unreached.isEmpty ? "" : "; never: " + t.unreached.joined(separator: ", ")))
                        guard let missed = tester[t.table] else { continue }
                        let onlyHere = Set(missed).subtracting(t.unreached).sorted(), onlyTester = Set(t.unreached).subtracting(missed).sorted()
                        print("    random tester on the same system (\(testerSeeds) seeds x 10,000 operations): \(t.rows - missed.count) of \(t.rows)"
                              + (onlyHere.isEmpty ? "" : "; reached here only: " + onlyHere.joined(separator: ", "))
                              + (onlyTester.isEmpty ? "" : "; by the tester only: " + onlyTester.joined(separator: ", ")))
                    }
                    if let violation = report.violation {
                        print(violation.description)
                        if let vcd { try VerifyTrace.write(violation, agents: agents, addresses: addresses, to: vcd) }
                        failed = true
                    }
                    if report.truncated { failed = true }
                }
            }
            if failed { throw ExitCode(3) }
        }
    }
}

extension KonaSimCommand.Verify {
    /// The rows the random tester never fires on the explored system (sockets of one core, the
    /// same lines, home and variant; for the FPGA, one block of every line), by table name.
    func testerUnreached(_ c: ProtocolExplorer.Configuration) throws -> [String: [String]] {
        var total: CoherenceStress.Coverage?
        for seed in 1...UInt64(testerSeeds) {
            var t = CoherenceStress.Configuration()
            t.sockets = c.agents
            t.coresPerSocket = 1
            t.lines = c.addresses
            t.operations = 10_000
            t.seed = seed
            t.variant = c.variant
            t.home = switch c.home {
            case .cpu: .cpu
            case .fpga: .fpga
            case .fpgaNonInclusive: .fpgaNonInclusive
            }
            t.linesPerBlock = c.addresses
            let covered = try CoherenceStress(t).run()
            if total == nil { total = covered } else { total!.merge(covered) }
        }
        guard let total else { return [:] }
        let tables = ProtocolTables(c.variant)
        func missed<S, E, A>(_ table: ProtocolTable<S, E, A>, _ counts: RowCoverage?) -> (String, [String])? {
            guard let counts else { return nil }
            return (table.name, table.rows.indices.filter { counts.hits[$0] == 0 }
                .map { "\(table.rows[$0].state.name) x \(table.rows[$0].event.name)" })
        }
        return Dictionary(uniqueKeysWithValues: [missed(tables.core, total.core), missed(tables.llc, total.llc),
                                                 missed(tables.home, total.home), missed(tables.fpga, total.fpga),
                                                 missed(tables.fpgaNonInclusive, total.fpgaNonInclusive)].compactMap { $0 })
    }
}

extension ProtocolExplorer.Ordering: ExpressibleByArgument {}
