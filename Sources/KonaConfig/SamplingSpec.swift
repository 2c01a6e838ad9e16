/// Sampled simulation (`run.sampling.*`): systematic sampling with functional warming. Per
/// core, every `period` accesses a detailed window runs `detailedWarmup` accesses, then a
/// measured unit of `measure` accesses; estimates carry a `confidence` interval, and a run
/// whose half-widths exceed `targetError` (relative) warns.
public struct SamplingSpec: Sendable, Equatable {
    public var period: UInt64
    public var detailedWarmup: UInt64
    public var measure: UInt64
    public var confidence: Double
    public var targetError: Double

    /// The accesses per core a window reads ahead: warm-up, unit, and a quarter unit after it
    /// so that the unit ends in a loaded system, not a draining one.
    public var windowAccesses: UInt64 { detailedWarmup + measure + measure / 4 }

    /// The spec of `config`'s `run.sampling.*` keys, or nil when sampling is off.
    static func read(_ config: ResolvedConfig) throws(ConfigError) -> SamplingSpec? {
        guard config.boolean("run.sampling.enabled") else { return nil }
        let spec = SamplingSpec(period: UInt64(config.integer("run.sampling.period")),
                                detailedWarmup: UInt64(config.integer("run.sampling.detailed_warmup")),
                                measure: UInt64(config.integer("run.sampling.measure")),
                                confidence: config.real("run.sampling.confidence"),
                                targetError: config.real("run.sampling.target_error"))
        guard spec.period >= spec.windowAccesses else {
            throw config.error("run.sampling.period",
                               "\(spec.period) accesses per core is shorter than a window (detailed_warmup + measure + measure / 4 = \(spec.windowAccesses))")
        }
        return spec
    }
}
