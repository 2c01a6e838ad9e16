#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KonaConfig
import KonaEngine
import KonaHardware
import KonaWorkloads

/// Sampled simulation (`run.sampling`): systematic sampling with functional warming.
///
/// The functional model (`FunctionalRun`) applies every access of the run. Every `period`
/// accesses per core, at the end of the period's warming, a detailed window forks from it:
/// a freshly built detailed system takes the functional model's state (caches, directories,
/// FMem and its bitmaps: `FunctionalSystem.copyState`) and replays the cores' next
/// accesses, `detailed_warmup` of them per core (filling MSHRs, queues and links) and then a
/// measured unit of `measure` per core; the counters' differences across the unit give each
/// estimate's value for that unit. The functional model then applies the same accesses
/// itself, so the detailed window changes nothing of what follows (checkpointed windows);
/// it does so, and warms on to the next window, while the window runs on a second thread
/// (`WindowJob`), so a window costs host time only where it outlasts that warming.
/// Exact counts (hits, misses, fetches, evictions, write-backs, bytes) come from the
/// functional model over the whole run.
public final class SampledRun {
    public let config: SimulationConfig
    private let spec: SamplingSpec
    private let functional: FunctionalRun
    private let windowConfig: SimulationConfig
    /// Whether each window runs on a second thread while warming goes on (`WindowJob`); when
    /// false each runs to its end before warming resumes. The result is the same either way
    /// (`SampledRunTests` compares them).
    var overlapsWindows = true

    /// Why `config` cannot be sampled, or nil if it can.
    public static func unsupported(_ config: SimulationConfig) -> String? {
        if let problem = FunctionalRun.unsupported(config) { return problem }
        if config.check { return "run.check (the functional model keeps no data values)" }
        if config.maxTime > 0 { return "run.max_time (a sampled run ends with its workload)" }
        if config.traceVCD != nil && config.traceWindow == nil {
            return "trace.vcd without trace.window (a sampled run traces only the span it runs in detail: give --vcd-window FROM..TO)"
        }
        return nil
    }

    /// A sampled run of `config`, whose `sampling` is set and which `unsupported` accepts.
    public init(config: SimulationConfig) throws(WorkloadError) {
        precondition(config.sampling != nil && Self.unsupported(config) == nil)
        self.config = config
        spec = config.sampling!
        functional = try FunctionalRun(config: config)
        var window = config
        window.dirtyInterval = 0
        window.maxAccesses = 0
        window.sampling = nil
        windowConfig = window
    }

    /// Runs the whole workload.
    /// - Throws: `SimulationError` or `WorkloadError` as a detailed run does.
    public func run() throws -> SampledReport {
        let start = ContinuousClock.now
        let cores = config.sockets * config.coresPerSocket
        var units: [(WindowSnapshot, WindowSnapshot)] = []
        var detailed: UInt64 = 0
        var idle = WindowIdleTime(cores: cores)
        // Each window runs on its own thread while the functional model applies its accesses
        // and warms towards the next one (`WindowJob`); one window at a time, taken in order.
        var running: (job: WindowJob, lengths: [UInt64])?
        defer { _ = try? running?.job.wait() }          // a failure left a window running
        func finish(_ window: (job: WindowJob, lengths: [UInt64])) throws {
            let snapshots = try window.job.wait()
            idle.add(window.job.simulation, lengths: window.lengths, unit: snapshots[0].time ..< snapshots[1].time)
            units.append((snapshots[0], snapshots[1]))
            detailed += snapshots[1].accesses
        }
        while true {
            let active = UInt64(functional.activeCores)
            guard active > 0 else { break }
            let warming = active * (spec.period - spec.windowAccesses)
            guard try functional.run(limit: warming) == warming else { break }
            let window = (0..<cores).map { functional.upcoming(Int(spec.windowAccesses), core: $0) }
            let lengths = window.map { UInt64($0.count) }
            guard lengths.allSatisfy({ $0 == 0 || $0 >= spec.detailedWarmup + spec.measure }) else { break }
            let simulation = Simulation(config: windowConfig, sources: window.map { AccessList($0) })
            functional.system.copyState(into: simulation.complexes, llcs: simulation.llcs, homes: simulation.homes,
                                        fpga: simulation.fpga)
            if let paging = simulation.paging { functional.system.copyPagingState(into: paging) }
            let warm = lengths.reduce(0) { $0 + min($1, spec.detailedWarmup) }
            let end = lengths.reduce(0) { $0 + min($1, spec.detailedWarmup + spec.measure) }
            if let previous = running { running = nil; try finish(previous) }
            running = (WindowJob(simulation, marks: [warm, end]), lengths)
            if !overlapsWindows, let current = running { running = nil; try finish(current) }
            try functional.run(limit: lengths.reduce(0, +))
        }
        if let last = running { running = nil; try finish(last) }
        try functional.run()
        let total = functional.system.accesses
        let remote: Remote = config.paging != nil ? .paging : config.fpga != nil ? .fpga : .none
        let estimates = Self.estimates(units, accesses: total, confidence: spec.confidence, remote: remote)
        var trackers: [(name: String, value: Double)] = []
        if let tracker = functional.tracker {
            for (g, name) in ["64B", "4KiB", "2MiB"].enumerated() { trackers.append(("tracker.amplification.\(name)", tracker.amplification(g))) }
            trackers += [("tracker.modified_bytes", Double(tracker.modifiedBytes)), ("tracker.records", Double(tracker.records))]
        }
        return SampledReport(estimates: estimates, exactCounts: functional.system.counts, trackers: trackers, accesses: total,
                             detailedAccesses: detailed, units: units.count, confidence: spec.confidence,
                             hostSeconds: Self.seconds(ContinuousClock.now - start),
                             warnings: warnings(estimates, units: units.count) + idle.warnings,
                             idleCoreFraction: idle.fraction)
    }

    /// Runs the span `trace.window` names in detail and traces it into `sink`: a detailed
    /// system of the whole config (no sampling), built cold and run from the workload's start
    /// to the window's end (`run.max_time` there), so that the span's
    /// waveform is the full detailed run's own. A fork, like the windows: the functional
    /// model applies the same accesses itself, and the span is no measured unit, so the
    /// estimates and exact counts are those of the run without it.
    /// - Complexity: a detailed run from time 0 to the window's end: a late span costs the
    ///   detailed simulation of everything before it.
    /// - Throws: `SimulationError` or `WorkloadError` as a detailed run does.
    public func traceSpan(into sink: any TraceSink) throws -> (simulation: Simulation, report: Report) {
        let window = config.traceWindow!
        var span = config
        span.sampling = nil
        span.maxTime = max(window.upperBound, 1)          // events at the window's end run; 0 would mean no limit
        let simulation = try Simulation(config: span)
        simulation.trace(into: sink)
        return (simulation, try simulation.run())
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Which home remote memory has, which decides the estimates beyond AMAT and time.
    enum Remote { case none, fpga, paging }

    /// Each estimate's value per unit, and the estimates.
    static func estimates(_ units: [(WindowSnapshot, WindowSnapshot)], accesses total: UInt64, confidence: Double,
                          remote: Remote) -> [SampledEstimate] {
        func values(_ value: (WindowSnapshot, WindowSnapshot) -> Double?) -> [Double] { units.compactMap { value($0.0, $0.1) } }
        func d(_ a: UInt64, _ b: UInt64) -> Double { Double(b &- a) }
        func ratio(_ n: Double, _ m: Double) -> Double? { m == 0 ? nil : n / m }
        var out = [
            SampledEstimate(name: "amat_ns", label: "AMAT", unit: "ns", values: values { a, b in
                ratio(d(a.latencySum, b.latencySum), d(a.accesses, b.accesses)).map { $0 / 1000 } }, confidence: confidence),
            SampledEstimate(name: "sim.execution_time_ns", label: "execution time", unit: "ns", values: values { a, b in
                ratio(d(a.time, b.time), d(a.accesses, b.accesses)).map { $0 * Double(total) / 1000 } }, confidence: confidence),
        ]
        if units.contains(where: { $0.1.instructions > $0.0.instructions }) {
            out.append(SampledEstimate(name: "ipc", label: "IPC per core", unit: "instructions/cycle",
                                       ratios: units.compactMap { a, b in
                                           b.coreCycles > a.coreCycles ? (d(a.instructions, b.instructions), d(a.coreCycles, b.coreCycles)) : nil },
                                       confidence: confidence))
        }
        guard remote != .none else { return out }
        func perKilo(_ name: String, _ label: String, _ unit: String, _ count: @escaping (WindowSnapshot) -> UInt64) -> SampledEstimate {
            SampledEstimate(name: name, label: label, unit: unit,
                            values: values { a, b in ratio(1000 * d(count(a), count(b)), d(a.accesses, b.accesses)) },
                            confidence: confidence)
        }
        out += [
            SampledEstimate(name: "amat.local_ns", label: "AMAT local", unit: "ns", values: values { a, b in
                ratio(d(a.latencySum, b.latencySum) - d(a.remoteLatencySum, b.remoteLatencySum),
                      d(a.accesses, b.accesses) - d(a.remoteAccesses, b.remoteAccesses)).map { $0 / 1000 } }, confidence: confidence),
            SampledEstimate(name: "amat.remote_ns", label: "AMAT remote", unit: "ns", values: values { a, b in
                ratio(d(a.remoteLatencySum, b.remoteLatencySum), d(a.remoteAccesses, b.remoteAccesses)).map { $0 / 1000 } },
                            confidence: confidence),
        ]
        if remote == .paging {
            out += [perKilo("paging.faults_per_kilo_access", "faults per 1000 accesses", "faults", \.faults),
                    perKilo("paging.wp_faults_per_kilo_access", "wp faults per 1000 accesses", "faults", \.wpFaults),
                    perKilo("paging.page_ins_per_kilo_access", "pages read per 1000 accesses", "pages", \.fetches),
                    perKilo("paging.evictions_per_kilo_access", "evictions per 1000 accesses", "pages", \.evictions)]
        } else {
            out += [
                SampledEstimate(name: "fpga.fmem.hit_rate", label: "FMem hit rate", unit: "ratio", values: values { a, b in
                    ratio(d(a.hits, b.hits), d(a.requests, b.requests)) }, confidence: confidence),
                perKilo("fpga.fetches_per_kilo_access", "fetches per 1000 accesses", "blocks", \.fetches),
                perKilo("fpga.evictions_per_kilo_access", "evictions per 1000 accesses", "blocks", \.evictions),
            ]
        }
        out += [
            SampledEstimate(name: "net.bytes_read", label: "network read", unit: "bytes", values: values { a, b in
                ratio(d(a.bytesRead, b.bytesRead), d(a.accesses, b.accesses)).map { $0 * Double(total) } }, confidence: confidence),
            SampledEstimate(name: "net.bytes_written", label: "network written", unit: "bytes", values: values { a, b in
                ratio(d(a.bytesWritten, b.bytesWritten), d(a.accesses, b.accesses)).map { $0 * Double(total) } },
                            confidence: confidence),
            SampledEstimate(name: "net.bandwidth_gbps", label: "network bandwidth", unit: "Gbps", values: values { a, b in
                ratio(8000 * (d(a.bytesRead, b.bytesRead) + d(a.bytesWritten, b.bytesWritten)), d(a.time, b.time)) },
                            confidence: confidence),
            SampledEstimate(name: "net.goodput", label: "eviction goodput", unit: "ratio", values: values { a, b in
                ratio(Double(LineGeometry.lineSize) * d(a.dirtyLinesWrittenBack, b.dirtyLinesWrittenBack),
                      d(a.evictionBytes, b.evictionBytes)) }, confidence: confidence),
        ]
        return out
    }

    /// A warning per estimate whose interval is wider than the target, with the units (and
    /// the period) that would narrow it to the target (`SampledEstimate.unitsNeeded`: the
    /// standard error falls as 1/sqrt(units), and the t quantile with them).
    private func warnings(_ estimates: [SampledEstimate], units: Int) -> [String] {
        if units < 2 {
            return ["\(units) measured unit\(units == 1 ? "" : "s"): no interval; lower run.sampling.period (now \(spec.period) accesses per core)"]
        }
        return estimates.filter { $0.units >= 2 && $0.relativeError > spec.targetError }.map { e in
            let needed = e.unitsNeeded(for: spec.targetError, confidence: spec.confidence) ?? Int.max
            let factor = Double(needed) / Double(e.units)
            let period = UInt64(Double(spec.period) / factor)
            return "\(e.label): +-\(String(format: "%.1f", 100 * e.relativeError))% > \(String(format: "%g", 100 * spec.targetError))% over \(e.units) units; about \(needed) units would reach it (run.sampling.period \(max(period, spec.windowAccesses)) or a longer run)"
        }
    }
}
