#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KonaConfig
import KonaEngine
import KonaHardware
import KonaProtocol
import KonaWorkloads

// Running a built system: tracing signals, the event loop with progress, and the final
// data-value check.
extension Simulation {
    /// Traces the signals the config's `trace.signals` selects into `sink` (within
    /// `trace.window`). Call before `run`.
    public func trace(into sink: any TraceSink) {
        let selection = SignalSelection(config.traceSignals)
        let tracer = SignalTracer(sink: sink, selects: selection.selects, window: config.traceWindow)
        for core in cores { core.trace(with: tracer) }
        if let l1d, let l2 {
            l1d.trace(with: tracer)
            l2.trace(with: tracer)
            let lines = config.traceWatch.map { $0 >> LineGeometry.lineShift }
            if !lines.isEmpty {
                l1d.watch(lines, with: tracer)
                l2.watch(lines, with: tracer)
            }
        }
        for complex in complexes { complex.trace(with: tracer) }
        for llc in llcs { llc.trace(with: tracer) }
        let watched = config.traceWatch.map { $0 >> LineGeometry.lineShift }
        if !watched.isEmpty {
            for complex in complexes { complex.watch(watched, with: tracer) }
            for llc in llcs { llc.watch(watched, with: tracer) }
            for (h, home) in homes.enumerated() { home.watch(watched.filter { self.home(of: $0) == h }, with: tracer) }
            fpga?.watch(watched.filter { placement?.isRemote($0) == true }, with: tracer)
        }
        for link in fabrics + [fpgaLink, socketLink].compactMap({ $0 }) { link.trace(with: tracer) }
        for memory in memories { memory.trace(with: tracer) }
        if let fpga {
            fpga.trace(with: tracer)
            fpga.dram.trace(with: tracer)
            fpga.network.trace(with: tracer)
        }
        paging?.network.trace(with: tracer)
        self.tracer = tracer
    }

    /// Progress of a run, reported about once a second of host time.
    public struct Progress: Sendable {
        public var simulatedTime: Tick
        public var accesses: UInt64
        public var hostSeconds: Double
    }

    /// Simulated time without progress after which a run that still has events is stopped as
    /// livelocked (exit 3): far above any access's latency, even a page fault's behind a
    /// saturated network. Progress is an access issued or completed, or no core having work
    /// left (the memory system draining, write-backs for instance, is no livelock).
    static let progressDeadline: Tick = 100 * Ticks.ms

    /// Runs to the end of the workload (or `run.max_time`, or `run.max_accesses`).
    /// - Parameter progress: called about once per host second while running.
    /// - Throws: `SimulationError` (exit 3: also `.stuck` when events go on without progress
    ///   for `progressDeadline`) or `WorkloadError` for a malformed trace (exit 2).
    public func run(progress: ((Progress) -> Void)? = nil) throws -> Report {
        let start = ContinuousClock.now
        var lastReport = start
        let finalLimit = config.maxTime == 0 ? Tick.max : config.maxTime
        for core in cores { simulator.schedule(at: 0, target: core.id, kind: 1) }      // resume
        var reason: Simulator.StopReason
        var lastAccesses = accesses, lastCompletion: Tick = 0, lastProgress = simulator.now
        repeat {
            let chunkEnd = simulator.now > Tick.max - 10 * Ticks.us ? Tick.max : simulator.now + 10 * Ticks.us
            do {
                reason = try simulator.run(until: min(chunkEnd, finalLimit))
            } catch {
                // Keep the waveform up to the failure: it is what explains it.
                tracer?.finish(at: simulator.now + 1)
                throw error
            }
            let completion = cores.reduce(0) { max($0, $1.lastCompletion) }
            if accesses != lastAccesses || completion != lastCompletion || !cores.contains(where: { $0.hasWorkLeft }) {
                lastAccesses = accesses
                lastCompletion = completion
                lastProgress = simulator.now
            } else if reason == .timeLimit && simulator.now - lastProgress >= Self.progressDeadline {
                tracer?.finish(at: simulator.now + 1)
                throw SimulationError(.stuck, time: simulator.now, component: "",
                                      message: "events go on but no core has issued or completed an access in the last 100 ms of simulated time (a livelock)",
                                      details: simulator.outstandingTransactions())
            }
            tracer?.flush(before: simulator.now)      // nothing can still be recorded earlier
            if let tracker {                                      // nor issued earlier
                for core in cores { core.flushIssueLog() }
                tracker.observe(issueLogs, before: simulator.now)
            }
            if let progress, ContinuousClock.now - lastReport > .seconds(1) {
                lastReport = ContinuousClock.now
                progress(Progress(simulatedTime: simulator.now, accesses: accesses,
                                  hostSeconds: seconds(ContinuousClock.now - start)))
            }
        } while reason == .timeLimit && simulator.now < finalLimit
        let end = reason == .timeLimit ? finalLimit : endTime
        tracer?.finish(at: end)             // before the final checks: a failing one keeps the whole waveform
        for complex in complexes { if let error = complex.takeFailure() { throw error } }
        for core in cores { core.flushIssueLog() }
        tracker?.finish(issueLogs)
        if reason == .drained { try checkFinalValues() }
        for core in cores { if let error = core.workloadError { throw error } }
        let host = seconds(ContinuousClock.now - start)      // including the waveform's last writes
        return Report(simulatedTime: end, hostSeconds: host, accesses: accesses,
                      events: simulator.eventsDispatched, stoppedAtTimeLimit: reason == .timeLimit,
                      values: stats.flatValues())
    }

    /// The value the system holds for `line` once quiet: an owning core's, else a socket's
    /// (dirty, or clean with no core holding it modified), else its home's (FMem or remote
    /// memory for a remote line, DRAM for a local one).
    public func coherentValue(_ line: UInt64) -> UInt64 {
        for complex in complexes where [.E, .M].contains(complex.controller.state(line)) {
            return complex.controller.lines[line]!.data
        }
        for llc in llcs where llc.controller.state(line) != .I {
            return llc.controller.lines[line]!.data
        }
        if let cxl, placement?.isRemote(line) == true { return cxl.value(of: line) }
        if let home = remoteHome, placement?.isRemote(line) == true {
            return home.cachedValue(line) ?? home.remoteValue(line)
        }
        return homes.isEmpty ? 0 : homes[home(of: line)].controller.memory[line] ?? 0
    }

    /// With data-value checking: every line stored to holds its last stored value in the
    /// system (caches, FMem, remote memory, DRAM), and every core's copy agrees.
    /// - Throws: a protocol-violation `SimulationError` naming the first line that does not.
    public func checkFinalValues() throws(SimulationError) {
        guard let checker else { return }
        for line in checker.storedLines {
            let expected = checker.latestValue(line)
            let held = coherentValue(line)
            let stale = complexes.first { [.S, .E, .M].contains($0.controller.state(line)) && $0.controller.lines[line]!.data != expected }
            if held != expected || stale != nil {
                throw SimulationError(.protocolViolation, time: simulator.now, component: "system",
                                      message: "line 0x\(String(line << LineGeometry.lineShift, radix: 16)) holds \(stale.map { "\($0.controller.lines[line]!.data) in \($0.path)" } ?? "\(held)") at the end, but the last value stored is \(expected)")
            }
        }
    }

    /// Accesses issued by all cores.
    public var accesses: UInt64 { cores.reduce(0) { $0 + $1.accesses } }

    func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
