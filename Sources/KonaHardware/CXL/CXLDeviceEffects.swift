import KonaProtocol

/// What the device coherence engine's actions do beyond its snoop filter entry: the
/// messages it sends, device memory (FMem) and the requests it parks. `CXLDeviceEngine`
/// calls these; the timed home and the verifier's `CXLSystem` implement them.
public protocol CXLDeviceEffects {
    /// A message as the implementer carries it (the verifier's carries whether its data is latest).
    associatedtype Packet
    /// Sends `message` (a `Cmp*`, `BIConflictAck` or `BISnp*`) to host `host`.
    mutating func send(_ message: CXLMessage, to host: Int)
    /// Reads the line from device memory and sends it to `host` as `MemData`.
    mutating func sendData(to host: Int)
    /// Writes the line `packet` (a `MemWr`) carries into device memory; its dirty bit is set.
    mutating func writeMemory(_ packet: Packet?)
    /// Merges the bytes of a `MemWrPtl` into device memory; its dirty bit is set.
    mutating func mergeMemory() throws(CXLProtocolError)
    /// The entry is free (no host listed): the snoop filter, and an FMem eviction waiting for it, go on.
    mutating func recalled()
    /// Parks `packet` from `sender` until the line's entry is stable again.
    mutating func park(_ packet: Packet, sender: Int)
}
