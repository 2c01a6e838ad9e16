/// A simulated part with a dotted path (`cpu0.l1d`) that receives events.
///
/// Components are built and wired by the system layer, registered once with the
/// `Simulator`, and reached by their `ComponentID`. They see only their own ports.
public protocol Component: AnyObject {
    /// Hierarchical name such as `cpu0.l1d`; unique within a simulator.
    var path: String { get }
    /// Called when an event targeting this component fires. `simulator.now == event.time`.
    func handle(_ event: Event, in simulator: Simulator) throws(SimulationError)
    /// The transactions this component still waits on, one line each; empty when idle.
    /// The stuck detector reports these when nothing is scheduled but work remains.
    func outstandingTransactions() -> [String]
}
