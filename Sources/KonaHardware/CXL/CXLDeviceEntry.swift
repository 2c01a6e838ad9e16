import KonaProtocol

/// One snoop filter entry of the device coherence engine (`CXLDeviceProtocol`): the line's
/// state, the hosts it lists and the transaction under way. 6 bytes; hosts are numbered 0
/// to 7 (one bit each in `sharers`).
/// - Invariant: in `E` (and the owner's snoops `B_S`, `B_C`) `owner` is set and `sharers` is empty.
public struct CXLDeviceEntry: Hashable, Sendable {
    public var state = CXLDeviceProtocol.State.I
    /// Listed sharers, one bit per host.
    public var sharers: UInt8 = 0
    /// The listed owner, or -1.
    public var owner: Int8 = -1
    /// The host whose request the entry serves, or -1.
    public var requester: Int8 = -1
    /// BIRsp still expected.
    public var pending: UInt8 = 0

    public init() {}

    /// Whether no transaction is under way (I, S or E).
    public var isStable: Bool { state.rawValue <= CXLDeviceProtocol.State.E.rawValue }

    /// Whether host `h` is listed, as a sharer or as the owner.
    public func lists(_ h: Int) -> Bool { sharers & (UInt8(1) << h) != 0 || Int(owner) == h }
}
