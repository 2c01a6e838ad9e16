#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KonaConfig
import KonaEngine
import KonaHardware
import KonaWorkloads

/// A simulated system built from a validated config: one core with private L1D and L2 in
/// front of DRAM, with every statistic registered. The core is the simulator's only
/// event-driven component; its private hierarchy is timed by reservation.
public final class Simulation {
    /// The configuration this system was built from.
    public let config: SimulationConfig
    /// The event kernel.
    public let simulator = Simulator()
    /// Every statistic of the run.
    public let stats = StatsRegistry()
    /// The core (`cpu0`).
    public let core: Core
    /// The private caches.
    public let l1d, l2: Cache
    /// Main memory.
    public let memory: MainMemory
    /// A one-line description of the workload, for summaries.
    public let workloadDescription: String
    /// The waveform tracer, when signals are traced.
    public private(set) var tracer: SignalTracer?

    /// Builds the system. A Lackey trace is opened here.
    /// - Throws: `WorkloadError` if the trace cannot be opened.
    public convenience init(config: SimulationConfig) throws(WorkloadError) {
        let (source, description) = try Self.makeSource(config)
        self.init(config: config, source: source, description: description)
    }

    /// Builds the system around an access stream of the caller's (used by benchmarks and
    /// tests); lines are split at 64-byte boundaries as for any workload.
    public init(config: SimulationConfig, source raw: any AccessSource, description: String = "custom access stream") {
        self.config = config
        workloadDescription = description
        let clock = ClockDomain(hertz: config.coreHertz)
        let stats = self.stats
        let source = LineSplitter(raw)
        let simulator = self.simulator
        var endTime: () -> Tick = { simulator.now }
        memory = MainMemory(path: "memory", latency: config.memoryLatency, bitsPerSecond: config.memoryBitsPerSecond,
                            stats: stats, simulatedTime: { endTime() })
        func makeCache(_ path: String, _ level: SimulationConfig.CacheLevel, next: any MemorySide) -> Cache {
            Cache(path: path, sets: level.sets, ways: level.ways,
                  policy: ReplacementPolicy(rawValue: level.replacement)!,
                  latency: clock.ticks(forCycles: level.latencyCycles), mshrs: level.mshrs,
                  targetsPerMSHR: level.mshrTargets, next: next, seed: config.seed, stats: stats)
        }
        l2 = makeCache("cpu0.l2", config.l2, next: memory)
        l1d = makeCache("cpu0.l1d", config.l1d, next: l2)
        core = Core(path: "cpu0", clock: clock, issueRate: config.issueRate, maxOutstanding: config.maxOutstanding,
                    maxAccesses: config.maxAccesses, l1: l1d, source: source, stats: stats)
        let coreRef = core
        endTime = { max(simulator.now, coreRef.lastCompletion) }
        core.id = simulator.register(core)
        stats.formula("amat_ns", "average memory access time over all accesses", unit: "ns") { .real(coreRef.amatTicks / 1000) }
        stats.formula("sim.time_ns", "simulated time at the end of the run", unit: "ns") { .real(Double(endTime()) / 1000) }
        stats.formula("sim.events", "events dispatched by the simulator", unit: "events") { .integer(simulator.eventsDispatched) }
    }

    private static func makeSource(_ config: SimulationConfig) throws(WorkloadError) -> (any AccessSource, String) {
        switch config.workload {
        case .lackey(let path):
            return (try LackeyTraceReader(path: path), "lackey trace \(path)")
        case .synthetic(let pattern, let accesses, let footprint, let base, let accessSize, let storeFraction,
                        let stride, let zipfTheta):
            var seeds = RandomStream(seed: config.seed, path: "cpu0.workload")
            let spec = SyntheticSpec(pattern: SyntheticSpec.Pattern(rawValue: pattern)!, count: accesses,
                                     footprint: footprint, base: base, accessSize: accessSize,
                                     storeFraction: storeFraction, stride: stride, zipfTheta: zipfTheta,
                                     seed: seeds.next())
            let description = "\(pattern), \(accesses) accesses of \(accessSize) B over \(Units.formatBytes(footprint))"
                + (pattern == "pointer_chase" ? "" : ", \(Int((storeFraction * 100).rounded()))% stores")
            return (SyntheticWorkload(spec), description)
        }
    }

    /// Traces the signals the config's `trace.signals` selects into `sink` (within
    /// `trace.window`). Call before `run`.
    public func trace(into sink: any TraceSink) {
        let selection = SignalSelection(config.traceSignals)
        let tracer = SignalTracer(sink: sink, selects: selection.selects, window: config.traceWindow)
        core.trace(with: tracer)
        l1d.trace(with: tracer)
        l2.trace(with: tracer)
        memory.trace(with: tracer)
        let lines = config.traceWatch.map { $0 >> LineGeometry.lineShift }
        if !lines.isEmpty {
            l1d.watch(lines, with: tracer)
            l2.watch(lines, with: tracer)
        }
        self.tracer = tracer
    }

    /// Progress of a run, reported about once a second of host time.
    public struct Progress: Sendable {
        public var simulatedTime: Tick
        public var accesses: UInt64
        public var hostSeconds: Double
    }

    /// Runs to the end of the workload (or `run.max_time`, or `run.max_accesses`).
    /// - Parameter progress: called about once per host second while running.
    /// - Throws: `SimulationError` (exit 3) or `WorkloadError` for a malformed trace (exit 2).
    public func run(progress: ((Progress) -> Void)? = nil) throws -> Report {
        let start = ContinuousClock.now
        var lastReport = start
        let finalLimit = config.maxTime == 0 ? Tick.max : config.maxTime
        simulator.schedule(at: 0, target: core.id, kind: Core.EventKind.resume.rawValue)
        var reason: Simulator.StopReason
        repeat {
            let chunkEnd = simulator.now > Tick.max - 10 * Ticks.us ? Tick.max : simulator.now + 10 * Ticks.us
            reason = try simulator.run(until: min(chunkEnd, finalLimit))
            tracer?.flush(before: simulator.now)      // nothing can still be recorded earlier
            if let progress, ContinuousClock.now - lastReport > .seconds(1) {
                lastReport = ContinuousClock.now
                progress(Progress(simulatedTime: simulator.now, accesses: core.accesses,
                                  hostSeconds: seconds(ContinuousClock.now - start)))
            }
        } while reason == .timeLimit && simulator.now < finalLimit
        if let error = core.workloadError { throw error }
        let host = seconds(ContinuousClock.now - start)
        let end = reason == .timeLimit ? finalLimit : max(simulator.now, core.lastCompletion)
        tracer?.finish(at: end)
        return Report(simulatedTime: end, hostSeconds: host, accesses: core.accesses,
                      events: simulator.eventsDispatched, stoppedAtTimeLimit: reason == .timeLimit,
                      values: stats.flatValues())
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

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
