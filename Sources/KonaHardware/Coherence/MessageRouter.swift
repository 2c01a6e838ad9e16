/// Takes the messages an interconnect delivers.
public protocol MessageReceiver: AnyObject {
    /// `message` arrives now at `message.destination`.
    func deliver(_ message: CoherenceMessage) throws(ProtocolViolation)
}

/// Hands each message an interconnect delivers to the component its destination names:
/// a core's private cache complex, a socket LLC, the CPU home agent (`home(0)`) or the
/// FPGA home agent (`home(1)`).
///
/// It holds its components unretained (the system that builds it owns them), so a
/// delivery costs a switch and a call, without reference counting.
public final class MessageRouter: MessageReceiver {
    /// A reference that does not keep its object alive.
    private struct Unretained<Object: AnyObject> {
        unowned(unsafe) let object: Object
    }

    private let complexes: ContiguousArray<Unretained<PrivateCacheComplex>>
    private let llcs: ContiguousArray<Unretained<SocketLLC>>
    private unowned(unsafe) let home: HomeAgent
    private unowned(unsafe) let fpga: FPGAHomeAgent?

    /// A router to `complexes` (by core number), `llcs` (by socket), `home` and `fpga`.
    public init(complexes: [PrivateCacheComplex], llcs: [SocketLLC], home: HomeAgent, fpga: FPGAHomeAgent?) {
        self.complexes = ContiguousArray(complexes.map { Unretained(object: $0) })
        self.llcs = ContiguousArray(llcs.map { Unretained(object: $0) })
        self.home = home
        self.fpga = fpga
    }

    public func deliver(_ message: CoherenceMessage) throws(ProtocolViolation) {
        switch message.destination {
        case .core(let c): try complexes[c].object.receive(message)
        case .llc(let s): try llcs[s].object.receive(message)
        case .home(let h): if h == 0 { try home.receive(message) } else { try fpga!.receive(message) }
        }
    }
}
