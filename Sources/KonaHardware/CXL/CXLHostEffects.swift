import KonaProtocol

/// What the host's actions for a CXL line do beyond its `CXLHostLine`: the M2S messages it
/// sends and what the core's access sees. `CXLHostEngine` calls these; the timed host
/// bridge and the verifier's `CXLSystem` implement them.
public protocol CXLHostEffects {
    /// A message as the implementer carries it.
    associatedtype Packet
    /// Sends `message` from host `host` to the device; for `MemWr`, `keepsCopy` is its
    /// MetaValue (S or A: true; I: false).
    mutating func send(_ message: CXLMessage, from host: Int, keepsCopy: Bool)
    /// The core's `Load` or `Store` hits host `host`'s copy.
    mutating func hit(_ event: CXLHostProtocol.Event, host: Int) throws(CXLProtocolError)
    /// Host `host` keeps the line `packet` (a `MemData`) carries.
    mutating func takeData(_ packet: Packet?, host: Int)
    /// The core's load completes, reading host `host`'s copy.
    mutating func completeLoad(host: Int) throws(CXLProtocolError)
    /// The core's store completes, writing host `host`'s copy.
    mutating func completeStore(host: Int)
    /// Host `host` drops its copy.
    mutating func dropCopy(host: Int)
}
