import KonaEngine
import KonaProtocol

/// Where a timed controller's messages go, by destination: to a core, to LLC `s`, or to home
/// `h`, each over the interconnect the system routes it on (a socket's fabric, the link to the
/// FPGA, the link between sockets), leaving at the time the component sets before it runs
/// its controller.
public final class TimedOutbox: CoherenceNetwork {
    /// When the messages sent from now on leave.
    public var time: Tick = 0
    private let toCore: Unmanaged<Interconnect>?
    private let toLLC: ContiguousArray<Unmanaged<Interconnect>>
    private let toHome: ContiguousArray<Unmanaged<Interconnect>>

    /// An outbox that sends to cores on `toCore`, to LLC `s` on `toLLC[s]` and to home `h` on
    /// `toHome[h]` (the system keeps them alive; a controller never sends where it has none).
    public init(toCore: Interconnect?, toLLC: [Interconnect], toHome: [Interconnect]) {
        self.toCore = toCore.map { Unmanaged.passUnretained($0) }
        self.toLLC = ContiguousArray(toLLC.map { Unmanaged.passUnretained($0) })
        self.toHome = ContiguousArray(toHome.map { Unmanaged.passUnretained($0) })
    }

    public func send(_ message: CoherenceMessage) {
        let time = self.time
        let route: Unmanaged<Interconnect>
        switch message.destination {
        case .core: route = toCore!
        case .llc(let s): route = toLLC[s]
        case .home(let h): route = toHome[h]
        }
        route._withUnsafeGuaranteedRef { _ = $0.send(message, at: time) }
    }
}
