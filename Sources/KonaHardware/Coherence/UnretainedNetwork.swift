/// A controller's network, held unretained (whoever builds the controller keeps the network
/// alive) and called through its type with a guaranteed reference: an `unowned(unsafe)`
/// existential was retained and released around every message sent.
struct UnretainedNetwork {
    private let object: Unmanaged<AnyObject>
    private let type: any CoherenceNetwork.Type

    init(_ network: any CoherenceNetwork) {
        object = Unmanaged.passUnretained(network as AnyObject)
        type = Swift.type(of: network)
    }

    /// Sends `message` now; it is delivered later to `message.destination`.
    @inline(__always)
    func send(_ message: CoherenceMessage) { type.send(message, through: object) }
}

extension CoherenceNetwork {
    /// Sends `message` through `object`, which is a `Self`.
    @inline(__always)
    static func send(_ message: CoherenceMessage, through object: Unmanaged<AnyObject>) {
        Unmanaged<Self>.fromOpaque(object.toOpaque())._withUnsafeGuaranteedRef { $0.send(message) }
    }
}
