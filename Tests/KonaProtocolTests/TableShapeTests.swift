import KonaProtocol
import Testing

@Suite struct TableShape {
    @Test(arguments: ProtocolVariant.all)
    func everyTableHasOneRowPerPairAndAStableStart(_ variant: ProtocolVariant) {
        let core = CoreComplexProtocol.table(variant), llc = LLCProtocol.table(variant), home = HomeProtocol.table(variant)
        #expect(core.row(.I, .Load)?.next == .IS_D && core.row(.I, .Store)?.next == .IM_AD)
        #expect(llc.row(.I, .GetS_Alone)?.next == .IS_D && home.row(.I, .RdOwn_Alone)?.next == .EM_C)
        // A missing pair is a protocol error, never a default.
        #expect(core.row(.IS_D, .Load) == nil)
    }
}
