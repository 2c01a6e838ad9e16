import Testing
import KonaHardware
import KonaProtocol
import KonaVerification

/// The random coherence tester with the FPGA's home agent (`konasim stress --home fpga`).
@Suite struct FPGAStressTests {
    func configuration(_ variant: ProtocolVariant, sockets: Int, cores: Int, seed: UInt64) -> CoherenceStress.Configuration {
        var c = CoherenceStress.Configuration()
        c.home = .fpga
        c.variant = variant
        c.sockets = sockets
        c.coresPerSocket = cores
        c.lines = 4
        c.operations = 3_000
        c.seed = seed
        return c
    }

    @Test(arguments: ProtocolVariant.all)
    func theFPGAHomeRunsCleanAndFiresTheRecallRows(_ variant: ProtocolVariant) throws {
        var total: CoherenceStress.Coverage?
        var evictions = 0, recalls = 0
        for seed in UInt64(1)...3 {
            for (sockets, cores) in [(1, 4), (3, 1)] {
                let tester = CoherenceStress(configuration(variant, sockets: sockets, cores: cores, seed: seed))
                let covered = try tester.run()
                #expect(tester.completed > 2_000, "seed \(seed): \(tester.completed) operations completed")
                evictions += tester.evictions
                recalls += tester.recalls
                if total == nil { total = covered } else { total!.merge(covered) }
            }
        }
        let coverage = try #require(total)
        #expect(coverage.home == nil, "the CPU home table did not run")
        let fpga = try #require(coverage.fpga)
        let table = HomeProtocol.fpgaTable(variant)
        #expect(fpga.hits.count == table.rows.count)
        for (state, event) in [(HomeProtocol.State.S, HomeProtocol.Event.Recall), (.EM, .Recall), (.S_R, .Rsp),
                               (.S_R, .LastRspI), (.EM_R, .LastRspIData)] {
            let hits = fpga.hits[try #require(table.rowIndex(state, event))]
            #expect(hits > 0, "fpga \(state.name) + \(event.name) never fired with \(variant)")
        }
        #expect(evictions > 0 && recalls > 0, "\(evictions) evictions, \(recalls) lines recalled")
    }

    @Test func theSameSeedGivesTheSameRun() throws {
        func run(_ seed: UInt64) throws -> [Int] {
            let tester = CoherenceStress(configuration(ProtocolVariant(), sockets: 2, cores: 2, seed: seed))
            let coverage = try tester.run()
            return [tester.completed, tester.delivered, tester.evictions, tester.recalls] + coverage.fpga!.hits
        }
        let first = try run(7)
        #expect(try run(7) == first)
        #expect(try run(8) != first, "another seed gives another run")
    }

    @Test func aRecallThatDropsDirtyDataIsCaught() throws {
        // Break one entry: the owner's response to a recall carries its dirty data, and the
        // altered row drops it instead of writing it to FMem.
        let variant = ProtocolVariant()
        let broken = HomeProtocol.fpgaTable(variant).replacing(.EM_R, .LastRspIData, actions: [.clearOwner, .recalled], next: .I)
        var caught: CoherenceStress.Violation?
        var seeds: [UInt64] = []
        for seed in UInt64(1)...10 where caught == nil {
            seeds.append(seed)
            do {
                _ = try CoherenceStress(configuration(variant, sockets: 1, cores: 4, seed: seed), homeTable: broken).run()
            } catch let v as CoherenceStress.Violation {
                caught = v
            }
        }
        let violation = try #require(caught, "the tester must catch the lost dirty data")
        #expect(violation.problem.contains("loaded") || violation.problem.contains("coherent value"), "\(violation.problem)")
        #expect(violation.history.contains { $0.contains("EM_R --LastRspIData--> I") }, "the history shows the recall")
        for seed in seeds {
            _ = try CoherenceStress(configuration(variant, sockets: 1, cores: 4, seed: seed)).run()    // the intact table passes
        }
    }

    @Test(arguments: ProtocolVariant.all)
    func theNonInclusiveFPGAHomeRunsCleanAndFiresTheReleaseRows(_ variant: ProtocolVariant) throws {
        var total: CoherenceStress.Coverage?
        var releases = 0, remoteWrites = 0
        for seed in UInt64(1)...1 {
            for (sockets, cores) in [(1, 4), (3, 1)] {
                var c = configuration(variant, sockets: sockets, cores: cores, seed: seed)
                c.home = .fpgaNonInclusive
                c.operations = 2_000
                let tester = CoherenceStress(c)
                let covered = try tester.run()
                #expect(tester.completed > 1_500, "seed \(seed): \(tester.completed) operations completed")
                #expect(tester.recalls == 0, "a non-inclusive FMem recalls nothing")
                releases += tester.releases
                remoteWrites += tester.remoteWrites
                if total == nil { total = covered } else { total!.merge(covered) }
            }
        }
        let coverage = try #require(total)
        #expect(coverage.home == nil && coverage.fpga == nil)
        let fpga = try #require(coverage.fpgaNonInclusive)
        let table = HomeProtocol.fpgaTable(variant, inclusion: .nonInclusive)
        for (state, event) in [(HomeProtocol.State.S, HomeProtocol.Event.Release), (.EM, .Release), (.EM, .WbOwnerDirty_Released)] {
            let hits = fpga.hits[try #require(table.rowIndex(state, event))]
            #expect(hits > 0, "fpga \(state.name) + \(event.name) never fired with \(variant)")
        }
        #expect(releases > 0 && remoteWrites > 0, "\(releases) lines released, \(remoteWrites) written straight to remote memory")
    }

    @Test func aReleasedLinesWritebackThatDropsItsDataIsCaught() throws {
        // Break one entry: a dirty writeback while the block is out of FMem acknowledges the
        // owner but never writes remote memory, so the line's value is lost.
        let variant = ProtocolVariant()
        let broken = HomeProtocol.fpgaTable(variant, inclusion: .nonInclusive)
            .replacing(.EM, .WbOwnerDirty_Released, actions: [.clearOwner, .sendWbAck], next: .I)
        var caught: CoherenceStress.Violation?
        for seed in UInt64(1)...10 where caught == nil {
            var c = configuration(variant, sockets: 1, cores: 4, seed: seed)
            c.home = .fpgaNonInclusive
            do { _ = try CoherenceStress(c, homeTable: broken).run() } catch let v as CoherenceStress.Violation { caught = v }
        }
        let violation = try #require(caught, "the tester must catch the lost dirty data")
        #expect(violation.problem.contains("loaded") || violation.problem.contains("coherent value"), "\(violation.problem)")
    }
}
