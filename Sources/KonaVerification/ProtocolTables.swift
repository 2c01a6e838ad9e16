import KonaProtocol

/// The transition tables a system runs: the core complexes', the socket LLCs', the CPU home
/// agent's and the FPGA home agent's (with an inclusive FMem, and with a non-inclusive one).
public struct ProtocolTables: Sendable {
    public var core: CoreComplexProtocol.Table
    public var llc: LLCProtocol.Table
    public var home: HomeProtocol.Table
    public var fpga: HomeProtocol.Table
    public var fpgaNonInclusive: HomeProtocol.Table

    /// The correct tables for `variant`.
    public init(_ variant: ProtocolVariant) {
        core = CoreComplexProtocol.table(variant)
        llc = LLCProtocol.table(variant)
        home = HomeProtocol.table(variant)
        fpga = HomeProtocol.fpgaTable(variant)
        fpgaNonInclusive = HomeProtocol.fpgaTable(variant, inclusion: .nonInclusive)
    }
}
