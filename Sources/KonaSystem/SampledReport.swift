/// What a sampled run found: estimates with intervals from the detailed windows' measured
/// units, and the functional model's exact counts over the whole run.
public struct SampledReport: Sendable {
    /// Every estimate, in the summary's order.
    public var estimates: [SampledEstimate]
    /// The functional model's counts over every access, under the detailed statistics' names.
    public var exactCounts: [(name: String, value: UInt64)]
    /// The shadow dirty trackers over every access in the functional model's order
    /// (`tracker.amplification.64B`, ...), empty when `stats.dirty_interval` is 0.
    public var trackers: [(name: String, value: Double)]
    /// Accesses in the whole run, and those the detailed windows simulated (warm-ups and tails included).
    public var accesses: UInt64, detailedAccesses: UInt64
    /// Measured units, and the confidence of the intervals.
    public var units: Int
    public var confidence: Double
    /// Host seconds of the whole run.
    public var hostSeconds: Double
    /// Intervals wider than `run.sampling.target_error`, each with what would reach it.
    public var warnings: [String]
    /// The share of the measured units' core time in which a core had issued all its
    /// window's accesses and sat idle (`WindowIdleTime`); above `WindowIdleTime.limit` the
    /// execution time and IPC estimates are unreliable and a warning says so.
    public var idleCoreFraction: Double
    /// Whether `idleCoreFraction` is above the limit (and the run warned).
    public var coresIdleInUnits: Bool { idleCoreFraction > WindowIdleTime.limit }

    /// The estimate named `name`.
    public func estimate(_ name: String) -> SampledEstimate? { estimates.first { $0.name == name } }
}
