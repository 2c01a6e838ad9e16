import KonaProtocol

/// A host's record of one line of a CXL HDM-DB range (`CXLHostProtocol`): its state and a
/// back-invalidate snoop it keeps to answer once its own request completes. 2 bytes.
public struct CXLHostLine: Hashable, Sendable {
    public var state = CXLHostProtocol.State.I
    /// A BISnp kept to answer later.
    public var held: CXLMessage?

    public init() {}

    /// Whether no request of the host's is under way for the line (I, S, E or M).
    public var isStable: Bool { state.rawValue <= CXLHostProtocol.State.M.rawValue }
}
