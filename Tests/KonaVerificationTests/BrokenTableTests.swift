import Testing
import KonaProtocol
import KonaVerification

@Suite struct BrokenTableTests {
    @Test func aBrokenEntryIsCaughtByTheRandomTester() throws {
        // Break one entry: a modified line answers an invalidation without its data.
        let broken = CoreComplexProtocol.table(ProtocolVariant()).replacing(.M, .Inv, actions: [.sendInvAck, .dropLine], next: .I)
        var caught: CoherenceStress.Violation?
        for seed in UInt64(1)...20 where caught == nil {
            var configuration = CoherenceStress.Configuration()
            configuration.seed = seed
            configuration.operations = 5_000
            do { _ = try CoherenceStress(configuration, coreTable: broken).run() } catch let v as CoherenceStress.Violation { caught = v }
        }
        let violation = try #require(caught, "the tester must catch the lost dirty data")
        #expect(violation.problem.contains("loaded") || violation.problem.contains("value") || violation.problem.contains("no transition"))
        #expect(!violation.history.isEmpty, "a violation shows the last events touching the line")
    }

    @Test func theIntactTablesPassTheSameSeeds() throws {
        for seed in UInt64(1)...5 {
            var configuration = CoherenceStress.Configuration()
            configuration.seed = seed
            configuration.operations = 5_000
            _ = try CoherenceStress(configuration).run()
        }
    }
}
