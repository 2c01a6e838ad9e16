/// A DRAM's energy over a run, in nJ, by command kind and background (DRAMPower's split).
public struct DRAMEnergy: Sendable, Equatable {
    /// ACT-PRE pairs.
    public var activate: Double
    /// Read bursts.
    public var read: Double
    /// Write bursts.
    public var write: Double
    /// Refresh commands.
    public var refresh: Double
    /// Standby: active while a rank has a row open, precharged otherwise.
    public var background: Double
    /// All of it.
    public var total: Double { activate + read + write + refresh + background }
}
