import KonaEngine
import KonaHardware

// Running a built system as a sampled run's detailed window: snapshots of its counters when
// the cores' accesses reach given totals.
extension Simulation {
    /// The counters now.
    public var snapshot: WindowSnapshot {
        var s = WindowSnapshot()
        s.time = simulator.now
        for core in cores {
            s.accesses &+= core.accesses
            s.latencySum &+= core.latencySum
            let instructions = core.instructionsIssued
            s.instructions &+= instructions
            if instructions > 0 { s.coreCycles &+= core.clock.cycle(at: simulator.now) }   // cores running instructions
        }
        for complex in complexes {
            s.remoteAccesses &+= complex.remoteAccesses
            s.remoteLatencySum &+= complex.remoteLatencySum
        }
        if let fpga {
            (s.requests, s.hits, s.fetches) = (fpga.requests, fpga.hits, fpga.fetches)
            (s.evictions, s.evictionBytes, s.dirtyLinesWrittenBack) = (fpga.engine.evictions, fpga.engine.evictionBytes,
                                                                       fpga.engine.dirtyLinesWrittenBack)
            (s.bytesRead, s.bytesWritten) = (fpga.network.bytesRead, fpga.network.bytesWritten)
        } else if let paging {
            (s.faults, s.wpFaults, s.fetches) = (paging.faults, paging.wpFaults, paging.pageIns)
            (s.evictions, s.evictionBytes, s.dirtyLinesWrittenBack) = (paging.engine.evictions, paging.engine.evictionBytes,
                                                                       paging.engine.dirtyLinesWrittenBack)
            (s.bytesRead, s.bytesWritten) = (paging.network.bytesRead, paging.network.bytesWritten)
        }
        return s
    }

    /// Runs the system (from its start) until the cores have issued `marks[i]` accesses in all,
    /// for each mark in turn, and returns a snapshot at each: at the end of the first 1 us of
    /// simulated time in which the total reached it (or when the workload ended). Stops after
    /// the last mark, leaving the rest of the workload unrun.
    /// - Throws: `SimulationError` as `run` does.
    public func runWindow(marks: [UInt64]) throws -> [WindowSnapshot] {
        for core in cores { simulator.schedule(at: 0, target: core.id, kind: 1) }      // resume
        var snapshots: [WindowSnapshot] = []
        var reason = Simulator.StopReason.timeLimit
        while snapshots.count < marks.count {
            if reason == .timeLimit { reason = try simulator.run(until: simulator.now + Ticks.us) }
            for complex in complexes { if let error = complex.takeFailure() { throw error } }
            for core in cores { if let error = core.workloadError { throw error } }
            let now = snapshot
            while snapshots.count < marks.count && (now.accesses >= marks[snapshots.count] || reason != .timeLimit) {
                snapshots.append(now)
            }
        }
        return snapshots
    }
}
