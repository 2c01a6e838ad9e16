/// Hands each message an interconnect delivers to the component its destination names:
/// a core's private cache complex, a socket LLC, a socket's CPU home agent (`home(s)`) or
/// the home of remote memory (`home(sockets)`, after the CPU homes): the FPGA home agent, the
/// paging model's, or Kona on CXL's host bridge.
///
/// It holds its components unretained (the system that builds it owns them) and calls them
/// through `Unmanaged`'s guaranteed references, so a delivery costs a switch and a call,
/// without retaining the receiver. (Tests that stand in for components subclass it and
/// override `deliver`.)
public class MessageRouter {
    private let complexes: ContiguousArray<Unmanaged<PrivateCacheComplex>>
    private let llcs: ContiguousArray<Unmanaged<SocketLLC>>
    private let homes: ContiguousArray<Unmanaged<CPUHomeAgent>>
    private let fpga: Unmanaged<FPGAHomeAgent>?
    private let paging: Unmanaged<PagingHomeAgent>?
    private let cxl: Unmanaged<CXLHostBridge>?

    /// A router to `complexes` (by core number), `llcs` (by socket), `homes` (by socket) and
    /// `fpga`, `paging` or `cxl` (home number `homes.count`).
    public init(complexes: [PrivateCacheComplex], llcs: [SocketLLC], homes: [CPUHomeAgent], fpga: FPGAHomeAgent?,
                paging: PagingHomeAgent? = nil, cxl: CXLHostBridge? = nil) {
        self.complexes = ContiguousArray(complexes.map { Unmanaged.passUnretained($0) })
        self.llcs = ContiguousArray(llcs.map { Unmanaged.passUnretained($0) })
        self.homes = ContiguousArray(homes.map { Unmanaged.passUnretained($0) })
        self.fpga = fpga.map { Unmanaged.passUnretained($0) }
        self.paging = paging.map { Unmanaged.passUnretained($0) }
        self.cxl = cxl.map { Unmanaged.passUnretained($0) }
    }

    /// `message` arrives now at `message.destination`.
    ///
    /// Calls the receiver inside one untyped `do`: a delivery that succeeds then costs no
    /// error variable (an optional `ProtocolViolation` captured per call was destroyed,
    /// through the runtime's generic value witness, on every message).
    public func deliver(_ message: CoherenceMessage) throws(ProtocolViolation) {
        do {
            switch message.destination {
            case .core(let c):
                try complexes[c]._withUnsafeGuaranteedRef { try $0.receive(message) }
            case .llc(let s):
                try llcs[s]._withUnsafeGuaranteedRef { try $0.receive(message) }
            case .home(let h):
                if h < homes.count {
                    try homes[h]._withUnsafeGuaranteedRef { try $0.receive(message) }
                } else if let fpga {
                    try fpga._withUnsafeGuaranteedRef { try $0.receive(message) }
                } else if let cxl {
                    try cxl._withUnsafeGuaranteedRef { try $0.receive(message) }
                } else {
                    try paging!._withUnsafeGuaranteedRef { try $0.receive(message) }
                }
            }
        } catch {
            throw error as! ProtocolViolation             // the receivers throw nothing else
        }
    }
}
