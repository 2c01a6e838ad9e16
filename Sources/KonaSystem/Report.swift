import KonaEngine

/// The outcome of a run: simulated and host time and every statistic by dotted name.
public struct Report: Sendable {
    public var simulatedTime: Tick
    /// Host wall-clock seconds (not part of the statistics, which must be deterministic).
    public var hostSeconds: Double
    public var accesses: UInt64
    public var events: UInt64
    public var stoppedAtTimeLimit: Bool
    /// Every statistic, sorted by name.
    public var values: [(name: String, value: StatValue)]

    /// The value of `name`, if reported.
    public func value(_ name: String) -> StatValue? { values.first { $0.name == name }?.value }
}
