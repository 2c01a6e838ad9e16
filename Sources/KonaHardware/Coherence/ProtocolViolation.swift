import KonaEngine
import KonaProtocol

/// Thrown by a controller that meets a `(state, event)` pair its table does not allow.
public struct ProtocolViolation: Error, Sendable, CustomStringConvertible {
    public var component: String
    public var line: UInt64
    public var state: String
    public var event: String
    public var message: String?

    public var description: String {
        "\(component): no transition for (\(state), \(event)) on line \(line)" + (message.map { " (message \($0))" } ?? "")
    }

    /// As a simulation error (exit code 3) at `time`.
    public func asSimulationError(at time: Tick) -> SimulationError {
        SimulationError(.protocolViolation, time: time, component: component,
                        message: "line 0x\(String(line << 6, radix: 16)): no transition for state \(state) on event \(event)"
                            + (message.map { " (message \($0))" } ?? ""))
    }
}
