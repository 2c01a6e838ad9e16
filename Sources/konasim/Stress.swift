import ArgumentParser
import KonaHardware
import KonaProtocol
import KonaVerification

extension KonaSimCommand {
    /// `konasim stress`: the random coherence tester.
    struct Stress: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stress",
            abstract: "Run the random coherence tester (exit 0 only when no violation).",
            discussion: """
            Many cores, few lines, random loads, stores and evictions with random message delays; checks \
            single-writer/multiple-reader, the data value of every load, and that every operation completes. \
            The lines' home is the CPU's home agent (--home cpu), the FPGA's (--home fpga: FMem blocks of \
            --block-lines lines are evicted at random moments, their lines recalled from the sockets and \
            requests for them held until they are back), the FPGA's with a non-inclusive FMem (--home \
            fpga_non_inclusive: evictions leave the lines with the sockets, and an owner's dirty writeback while \
            the block is out goes straight to remote memory), the CPU's and the inclusive FPGA's in turn \
            (--home both, the default). --home cxl runs the CXL HDM-DB tables instead (--sockets hosts \
            sharing --lines lines of one device whose snoop filter gives entries up at random; messages \
            delivered in random order, S2M NDR in order), and --home all runs every home: CPU, both FPGA \
            inclusions and CXL. A violation prints the seed, a command to reproduce it and the \
            last events touching the failing line.
            """)

        enum CleanEviction: String, ExpressibleByArgument, CaseIterable { case silent, notify, both }
        enum Grant: String, ExpressibleByArgument, CaseIterable { case e, s, both }
        enum Home: String, ExpressibleByArgument, CaseIterable { case cpu, fpga, fpga_non_inclusive, both, cxl, all }

        @Option(help: "Cores per socket.") var cores = 4
        @Option(help: "Sockets.") var sockets = 1
        @Option(help: "Distinct lines.") var lines = 4
        @Option(help: "Operations per seed.") var ops = 10_000
        @Option(help: "Seed (ignored with --seeds).") var seed: UInt64 = 1
        @Option(help: ArgumentHelp("Seed range, e.g. 1..200.", valueName: "A..B")) var seeds: String?
        @Option(help: "Grant on a read miss with no other holder: e, s, or both variants.") var grant: Grant = .both
        @Option(help: "Clean evictions: silent, notify, or both variants.") var cleanEviction: CleanEviction = .both
        @Option(help: "Largest random message delay, in ticks.") var maxDelay: UInt64 = 40
        @Option(help: "The lines' home agent: cpu (home table), fpga (FPGA table, random FMem evictions recalling lines), fpga_non_inclusive (evictions releasing them), both (cpu and fpga), cxl (CXL HDM-DB tables), or all of them, each in turn.")
        var home: Home = .both
        @Option(help: "FPGA home: lines per FMem block (an eviction recalls a block's lines together).") var blockLines = 2
        @Option(help: "FPGA home: a random block is chosen for eviction every 1...N ticks.") var evictionGap: UInt64 = 1_000
        @Flag(help: "List every table row with its hit count.") var coverage = false
        @Flag(help: "Run the CI campaign: sockets x cores in {1x4, 1x8, 2x2, 2x4, 3x2, 4x1}, lines in {2, 4, 8}, every variant, each home of --home, for each seed (overrides --cores, --sockets, --lines).")
        var campaign = false

        func validate() throws {
            guard cores >= 1, cores <= 64 else { throw ValidationError("--cores must be in 1...64") }
            guard sockets >= 1, sockets <= 64 else { throw ValidationError("--sockets must be in 1...64") }
            guard lines >= 1, ops >= 1, maxDelay >= 1, blockLines >= 1, evictionGap >= 1 else {
                throw ValidationError("--lines, --ops, --max-delay, --block-lines and --eviction-gap must be at least 1")
            }
            _ = try seedRange()
        }

        func seedRange() throws -> ClosedRange<UInt64> {
            guard let seeds else { return seed...seed }
            let parts = seeds.split(separator: ".", omittingEmptySubsequences: true)
            guard seeds.contains(".."), parts.count == 2, let a = UInt64(parts[0]), let b = UInt64(parts[1]), a <= b else {
                throw ValidationError("--seeds takes A..B with A <= B, e.g. 1..200")
            }
            return a...b
        }

        var homes: [CoherenceStress.Home] {
            switch home {
            case .cpu: [.cpu]
            case .fpga: [.fpga]
            case .fpga_non_inclusive: [.fpgaNonInclusive]
            case .both: [.cpu, .fpga]
            case .all: [.cpu, .fpga, .fpgaNonInclusive]
            case .cxl: []
            }
        }

        var variants: [ProtocolVariant] {
            let grants: [Bool] = grant == .both ? [true, false] : [grant == .e]
            let evictions: [Bool] = cleanEviction == .both ? [false, true] : [cleanEviction == .silent]
            return grants.flatMap { g in evictions.map { ProtocolVariant(grantExclusive: g, silentCleanEviction: $0) } }
        }

        /// (sockets, cores per socket, lines) combinations to run.
        var shapes: [(Int, Int, Int)] {
            guard campaign else { return [(sockets, cores, lines)] }
            return [(1, 4), (1, 8), (2, 2), (2, 4), (3, 2), (4, 1)].flatMap { sc in [2, 4, 8].map { (sc.0, sc.1, $0) } }
        }

        func run() throws {
            var totals: [ProtocolVariant: CoherenceStress.Coverage] = [:]
            var runs = 0, operations = 0, messages = 0, evictions = 0, recalls = 0, releases = 0, remoteWrites = 0
            for home in homes {
                for variant in variants {
                    for (sockets, cores, lines) in shapes {
                        for s in try seedRange() {
                            var configuration = CoherenceStress.Configuration()
                            configuration.sockets = sockets
                            configuration.coresPerSocket = cores
                            configuration.lines = lines
                            configuration.operations = ops
                            configuration.seed = s
                            configuration.variant = variant
                            configuration.maxDelay = maxDelay
                            configuration.home = home
                            configuration.linesPerBlock = blockLines
                            configuration.evictionGap = evictionGap
                            let tester = CoherenceStress(configuration)
                            do {
                                let covered = try tester.run()
                                if totals[variant] == nil { totals[variant] = covered } else { totals[variant]!.merge(covered) }
                            } catch {
                                print("stress: FAILED with the \(home) home, \(variant)")
                                print("\(error)")
                                print("reproduce: " + reproduce(configuration))
                                throw ExitCode(3)
                            }
                            runs += 1
                            operations += tester.completed
                            messages += tester.delivered
                            evictions += tester.evictions
                            recalls += tester.recalls
                            releases += tester.releases
                            remoteWrites += tester.remoteWrites
                        }
                    }
                }
            }
            if coverage && !homes.isEmpty {
                print(CoverageReport.render(totals.sorted { $0.key.description < $1.key.description }))
            }
            if home == .cxl || home == .all { try runCXL() }
            guard !homes.isEmpty else { return }
            let released = homes.contains(.fpgaNonInclusive)
                ? ", \(releases) released, \(remoteWrites) dirty writebacks straight to remote memory" : ""
            let fpga = homes.count > 1 || homes[0] != .cpu ? ", \(evictions) FMem evictions (\(recalls) lines recalled\(released))" : ""
            print("stress: \(runs) runs (\(homes.count) home(s) x \(variants.count) variant(s) x \(shapes.count) shape(s) x \(try seedRange().count) seed(s)), \(operations) operations completed, \(messages) messages\(fpga), no violation")
        }

        /// The command that runs `c` alone.
        func reproduce(_ c: CoherenceStress.Configuration) -> String {
            var text = "konasim stress --home \(c.home.rawValue) --cores \(c.coresPerSocket) --sockets \(c.sockets) --lines \(c.lines) --ops \(c.operations) --seed \(c.seed) --grant \(c.variant.grantExclusive ? "e" : "s") --clean-eviction \(c.variant.silentCleanEviction ? "silent" : "notify") --max-delay \(c.maxDelay)"
            if c.home != .cpu { text += " --block-lines \(c.linesPerBlock) --eviction-gap \(c.evictionGap)" }
            return text
        }
    }
}
