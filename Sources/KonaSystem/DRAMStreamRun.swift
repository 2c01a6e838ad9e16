import KonaEngine
import KonaHardware

/// One `DRAMStream` through a banked DRAM, and what it measured: mean read latency, sustained
/// bandwidth and row outcomes, in total and per ramp step.
///
/// As DRAMsim3's trace-driven front end, the stream is held back while `queue` reads are
/// outstanding (a request enters when one completes, and the requests after it wait
/// behind it); latency counts from when a read entered. Sustained bandwidth counts the
/// lines whose bursts the model issued by the last request's arrival, over that time (as
/// DRAMsim3 counts the commands issued in the cycles it ran).
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

    /// Runs `stream` through a new model of `parameters`, at most `queue` reads outstanding.
    /// O(requests * queue).
    public init(_ stream: DRAMStream, parameters: DRAMParameters, queue: Int = 32) {
        let model = BankedDRAM(parameters)
        let latency = Distribution()
        var stepSum = [Double](repeating: 0, count: 10), stepCount = [Double](repeating: 0, count: 10)
        let end = stream.request(stream.count - 1).cycle * parameters.tCK
        var served: UInt64 = 0
        var outstanding: [Tick] = []            // completion times of reads in the queue
        var entered: Tick = 0                   // when the previous request entered
        for i in 0 ..< stream.count {
            let r = stream.request(i)
            var time = max(r.cycle * parameters.tCK, entered)
            outstanding.removeAll { $0 <= time }
            if outstanding.count >= queue, let first = outstanding.min() {
                time = max(time, first)
                outstanding.removeAll { $0 <= time }
            }
            entered = time
            if r.write {
                model.writeback(line: r.line, at: time)
            } else {
                let ready = model.read(line: r.line, at: time)
                outstanding.append(ready)
                latency.record(ready - time)
                if ready <= end { served += 1 }
                stepSum[stream.step(i)] += Double(ready - time)
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
