import KonaEngine

/// How long the cores of a sampled run's detailed windows sat idle inside the measured units
/// because they had issued all of their window's accesses (`SampledRun`).
///
/// A window gives every core the same number of accesses. When the cores issue at unequal
/// rates (threads whose accesses hit beside threads whose accesses miss, as in the recorded
/// pigz trace), the fast core finishes its share early and idles while the slow ones finish
/// theirs, so the unit measures the slow cores' rate alone, where in the full run the fast
/// core goes on issuing in the same time: the execution time per access reads too long and
/// the IPC too low (docs/sampling.md, "The recorded traces"). This measures that condition.
struct WindowIdleTime {
    /// The idle share above which the run warns.
    static let limit = 0.05
    /// Per core, the time it sat idle inside units, and the units' length summed over the
    /// windows in which it had accesses.
    private var idle: [Tick], measured: [Tick]

    init(cores: Int) { (idle, measured) = (Array(repeating: 0, count: cores), Array(repeating: 0, count: cores)) }

    /// Adds one window's unit, `unit` in simulated time: a core that has issued all of its
    /// `lengths[c]` accesses and has nothing in flight was idle from its last instruction's
    /// retirement (or the unit's start) to the unit's end.
    mutating func add(_ simulation: Simulation, lengths: [UInt64], unit: Range<Tick>) {
        for (c, core) in simulation.cores.enumerated() where lengths[c] > 0 {
            measured[c] &+= unit.upperBound - unit.lowerBound
            guard core.accesses == lengths[c] && !core.hasWorkLeft && core.finishTime < unit.upperBound else { continue }
            idle[c] &+= unit.upperBound - max(core.finishTime, unit.lowerBound)
        }
    }

    /// The idle share of the units' core time (0 with no units).
    var fraction: Double {
        let total = measured.reduce(0, +)
        return total == 0 ? 0 : Double(idle.reduce(0, +)) / Double(total)
    }

    /// A warning when the share is above `limit`, naming the cores that idled most.
    var warnings: [String] {
        guard fraction > Self.limit else { return [] }
        let worst = idle.enumerated().filter { $0.element > 0 }.sorted { $0.element > $1.element }.prefix(2)
        let named = worst.map { "cpu\($0.offset) \(String(format: "%.0f", 100 * Double($0.element) / Double(measured[$0.offset])))%" }
        return ["cores idle for \(String(format: "%.0f", 100 * fraction))% of the measured units' core time (\(named.joined(separator: ", ")) of its own): each window gives every core the same number of accesses and these cores, issuing faster than the others, ran out of theirs before the unit ended, so the units measure the slower cores alone; the execution time, IPC and network bandwidth estimates are unreliable (too long, too low, too low) for this workload (docs/sampling.md, \"Cores of unequal rates\")"]
    }
}
