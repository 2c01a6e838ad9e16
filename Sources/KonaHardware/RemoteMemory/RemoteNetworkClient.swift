import KonaEngine

/// Whom a `RemoteNetwork` tells about its operations' progress (a remote home agent).
public protocol RemoteNetworkClient: AnyObject {
    /// A packet of read `tag`'s response, carrying `bytes` of data, will arrive at `time`
    /// (told when the packet leaves the node, so the client can reserve where the data goes).
    func readPacket(_ tag: UInt64, bytes: UInt64, arrivesAt time: Tick)
    /// The first packet of critical-first read `tag` (the requested line) arrived now.
    func readCriticalArrived(_ tag: UInt64) throws(SimulationError)
    /// All of read `tag` arrived now.
    func readCompleted(_ tag: UInt64) throws(SimulationError)
    /// Write `tag`'s acknowledgement arrived now.
    func writeCompleted(_ tag: UInt64) throws(SimulationError)
}
