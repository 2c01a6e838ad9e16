import KonaEngine

/// What a detailed window's counters hold at one moment: the raw sums a measured unit is the
/// difference of (sampled simulation, `SampledRun`).
public struct WindowSnapshot: Sendable {
    /// Simulated time, picoseconds.
    public var time: Tick = 0
    /// Accesses the cores issued, and their issue-to-data latencies summed (picoseconds).
    public var accesses: UInt64 = 0, latencySum: UInt64 = 0
    /// Instructions the cores issued, and the clock cycles of the cores that issued any, summed.
    public var instructions: UInt64 = 0, coreCycles: UInt64 = 0
    /// Accesses to remote lines completed, and their latencies summed.
    public var remoteAccesses: UInt64 = 0, remoteLatencySum: UInt64 = 0
    /// The FPGA's requests, FMem hits, fetches and evictions (the paging model's: pages read and evicted).
    public var requests: UInt64 = 0, hits: UInt64 = 0, fetches: UInt64 = 0, evictions: UInt64 = 0
    /// The paging model's faults on pages not resident, and write-protect faults.
    public var faults: UInt64 = 0, wpFaults: UInt64 = 0
    /// Network bytes read and written, bytes evictions sent, dirty lines they carried.
    public var bytesRead: UInt64 = 0, bytesWritten: UInt64 = 0, evictionBytes: UInt64 = 0, dirtyLinesWrittenBack: UInt64 = 0
}
