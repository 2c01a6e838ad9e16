import KonaEngine

/// A `RemoteNetworkClient` as the network calls it: the object, unretained, and its type.
/// Calling through the type opens no existential value and takes the object as a guaranteed
/// reference, so telling the client of a packet or an end costs no reference counting (the
/// owner keeps the client alive for the run, as `RemoteNetwork.client` requires).
struct UnretainedClient {
    private let object: Unmanaged<AnyObject>
    private let type: any RemoteNetworkClient.Type

    init(_ client: any RemoteNetworkClient) {
        object = Unmanaged.passUnretained(client as AnyObject)
        type = Swift.type(of: client)
    }

    func readPacket(_ tag: UInt64, bytes: UInt64, arrivesAt time: Tick) {
        type.readPacket(tag, bytes: bytes, arrivesAt: time, on: object)
    }

    func readCriticalArrived(_ tag: UInt64) throws(SimulationError) { try type.tell(.readCriticalArrived, tag, on: object) }
    func readCompleted(_ tag: UInt64) throws(SimulationError) { try type.tell(.readCompleted, tag, on: object) }
    func writeCompleted(_ tag: UInt64) throws(SimulationError) { try type.tell(.writeCompleted, tag, on: object) }
}

/// Which of a client's notices of an operation `UnretainedClient` gives.
private enum ClientNotice { case readCriticalArrived, readCompleted, writeCompleted }

extension RemoteNetworkClient {
    /// Tells `object`, which is a `Self`, of a read's packet.
    @inline(__always)
    fileprivate static func readPacket(_ tag: UInt64, bytes: UInt64, arrivesAt time: Tick, on object: Unmanaged<AnyObject>) {
        Unmanaged<Self>.fromOpaque(object.toOpaque())._withUnsafeGuaranteedRef { $0.readPacket(tag, bytes: bytes, arrivesAt: time) }
    }

    /// Gives `object`, which is a `Self`, `notice` of operation `tag`.
    @inline(__always)
    fileprivate static func tell(_ notice: ClientNotice, _ tag: UInt64, on object: Unmanaged<AnyObject>) throws(SimulationError) {
        var failure: SimulationError?
        Unmanaged<Self>.fromOpaque(object.toOpaque())._withUnsafeGuaranteedRef { client in
            do throws(SimulationError) {
                switch notice {
                case .readCriticalArrived: try client.readCriticalArrived(tag)
                case .readCompleted: try client.readCompleted(tag)
                case .writeCompleted: try client.writeCompleted(tag)
                }
            } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
