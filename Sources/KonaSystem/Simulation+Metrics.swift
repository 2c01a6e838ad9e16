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

// The system-wide statistics a run reports beside its components' own.
extension Simulation {
    /// Registers the system-wide metrics: AMAT (overall, local, remote), simulated time,
    /// events, and the shadow trackers' amplification.
    func registerMetrics() {
        let all = cores, complexes = self.complexes, stats = self.stats, simulator = self.simulator
        let endTime = simulatedTime
        stats.formula("amat_ns", "average memory access time over all accesses of all cores", unit: "ns") {
            let n = all.reduce(0) { $0 + $1.accesses }
            return .real(n == 0 ? 0 : Double(all.reduce(0) { $0 + $1.latencySum }) / Double(n) / 1000)
        }
        stats.formula("amat.remote_ns", "average latency of accesses to remote memory (homed by the FPGA)", unit: "ns") {
            let n = complexes.reduce(0) { $0 + $1.remoteAccesses }
            return .real(n == 0 ? 0 : Double(complexes.reduce(0) { $0 + $1.remoteLatencySum }) / Double(n) / 1000)
        }
        stats.formula("amat.local_ns", "average latency of accesses to local memory", unit: "ns") {
            let n = all.reduce(0) { $0 + $1.accesses } - complexes.reduce(0) { $0 + $1.remoteAccesses }
            let sum = all.reduce(0) { $0 + $1.latencySum } - complexes.reduce(0) { $0 + $1.remoteLatencySum }
            return .real(n == 0 ? 0 : Double(sum) / Double(n) / 1000)
        }
        stats.formula("accesses", "accesses issued by all cores", unit: "accesses") { .integer(all.reduce(0) { $0 + $1.accesses }) }
        stats.formula("accesses.remote", "accesses to remote memory", unit: "accesses") { .integer(complexes.reduce(0) { $0 + $1.remoteAccesses }) }
        stats.formula("sim.time_ns", "simulated time at the end of the run", unit: "ns") { .real(Double(endTime()) / 1000) }
        stats.formula("sim.execution_time_ns", "when the last core's last instruction retired (and its accesses had their data)", unit: "ns") {
            .real(Double(all.reduce(0) { max($0, $1.finishTime) }) / 1000)
        }
        stats.formula("sim.events", "events dispatched by the simulator", unit: "events") { .integer(simulator.eventsDispatched) }
        if memories.count > 1 {
            let memories = self.memories
            for (name, doc, read) in [("reads", "lines read, all sockets' DRAM", { (m: MainMemory) in m.reads }),
                                      ("writes", "lines written, all sockets' DRAM", { (m: MainMemory) in m.writes })] {
                stats.formula("memory." + name, doc, unit: "lines") { .integer(memories.reduce(0) { $0 + read($1) }) }
            }
            stats.formula("memory.utilization", "mean over the sockets' DRAM of the fraction of time its channel was busy", unit: "ratio") {
                let t = endTime()
                return .real(t == 0 ? 0 : Double(memories.reduce(0) { $0 + $1.channel.busyTime }) / Double(t) / Double(memories.count))
            }
        }
        guard let tracker else { return }
        for (g, name) in ["64B", "4KiB", "2MiB"].enumerated() {
            stats.formula("tracker.amplification.\(name)", "bytes a \(name) dirty tracker of the system writes back per byte stores modified (summed over stats.dirty_interval intervals of system accesses)", unit: "ratio") {
                .real(tracker.amplification(g))
            }
        }
        stats.formula("tracker.modified_bytes", "distinct bytes stores wrote, summed over intervals", unit: "bytes") {
            .integer(tracker.modifiedBytes)
        }
        stats.formula("tracker.records", "data accesses the trackers saw (all cores; a Lackey M, or an access split at a line boundary, counts one)", unit: "accesses") {
            .integer(tracker.records)
        }
    }
}
