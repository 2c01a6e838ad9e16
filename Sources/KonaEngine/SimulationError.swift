/// A failure of the simulated system (exit code 3): a stuck run, a protocol error, a lost message.
///
/// Carries the simulated time, the component that found it and the details that explain it.
public struct SimulationError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in kinds the CLI and tests can tell apart.
    public enum Kind: String, Sendable {
        /// Work outstanding and nothing scheduled.
        case stuck
        /// A component received something its state does not allow.
        case protocolViolation = "protocol"
        /// A configured limit on the model was exceeded in a way it cannot handle.
        case modelLimit = "model limit"
    }

    public var kind: Kind
    /// Simulated time of detection, in picoseconds.
    public var time: Tick
    /// Path of the component that detected it (empty for the simulator itself).
    public var component: String
    /// One-line summary.
    public var message: String
    /// Supporting lines, such as the stuck transactions.
    public var details: [String]

    public init(_ kind: Kind, time: Tick, component: String, message: String, details: [String] = []) {
        self.kind = kind
        self.time = time
        self.component = component
        self.message = message
        self.details = details
    }

    public var description: String {
        var text = "simulation error (\(kind.rawValue)) at \(time) ps"
        if !component.isEmpty { text += " in \(component)" }
        text += ": \(message)"
        for line in details { text += "\n  " + line }
        return text
    }
}
