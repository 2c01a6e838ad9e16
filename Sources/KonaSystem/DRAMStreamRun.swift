import KonaEngine
import KonaHardware

/// One `DRAMStream` through a banked DRAM, and what it measured: mean read latency, sustained
/// bandwidth and row outcomes, in total and per ramp step.
///
/// As DRAMsim3's trace-driven front end, the stream is offered in order, at most one request
/// a cycle: a read that finds the model's read queue full (`read_queue`) enters when a slot
/// frees, and the requests after it wait behind it, the next offered the cycle after (not in
/// the same cycle, where the model would serve them as one burst of reads, each RD after the
/// one before: `BankedDRAM.read`); latency counts from when a read entered. Sustained bandwidth
/// counts the lines whose bursts the model issued by the last request's arrival, over that
/// time (as DRAMsim3 counts the commands issued in the cycles it ran).
public struct DRAMStreamRun: Sendable {
    /// Mean read latency in ns, arrival to last beat.
    public var readLatency: Double
    /// 99th-percentile read latency in ns.
    public var readLatencyP99: Double
    /// Bytes per second served by the last arrival.
    public var bandwidth: Double
    public var rowHitRate: Double
    /// Mean read latency (ns) per ramp step (empty for other streams).
    public var stepLatency: [Double]
    /// The cycles the stream spans (the last arrival).
    public var cycles: UInt64

    /// Runs `stream` through a new model of `parameters`. O(requests * read_queue).
    public init(_ stream: DRAMStream, parameters: DRAMParameters) {
        let model = BankedDRAM(parameters)
        let latency = Distribution()
        var stepSum = [Double](repeating: 0, count: 10), stepCount = [Double](repeating: 0, count: 10)
        let end = stream.request(stream.count - 1).cycle * parameters.tCK
        var served: UInt64 = 0
        var next: Tick = 0                      // the earliest the next request is offered
        for i in 0 ..< stream.count {
            let r = stream.request(i)
            let time = max(r.cycle * parameters.tCK, next)
            if r.write {
                model.writeback(line: r.line, at: time)
                next = time + parameters.tCK
            } else {
                let ready = model.read(line: r.line, at: time)
                let entered = model.lastReadEntry
                next = entered + parameters.tCK
                latency.record(ready - entered)
                if ready <= end { served += 1 }
                stepSum[stream.step(i)] += Double(ready - entered)
                stepCount[stream.step(i)] += 1
            }
        }
        model.drain(until: end)
        served += model.writesIssued
        readLatency = latency.mean / 1000
        readLatencyP99 = Double(latency.percentile(0.99)) / 1000
        bandwidth = end == 0 ? 0 : Double(served * 64) * 1e12 / Double(end)
        let outcomes = model.rowHits + model.rowMisses + model.rowConflicts
        rowHitRate = outcomes == 0 ? 0 : Double(model.rowHits) / Double(outcomes)
        stepLatency = stream.kind == .ramp ? (0 ..< 10).map { stepCount[$0] == 0 ? 0 : stepSum[$0] / stepCount[$0] / 1000 } : []
        cycles = end / parameters.tCK
    }
}
