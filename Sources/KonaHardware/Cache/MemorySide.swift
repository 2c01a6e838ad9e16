import KonaEngine

/// The level below a cache inside a core's private hierarchy: the next cache or memory.
///
/// Calls are made in request order with the time the request reaches the level; the
/// callee reserves its resources (pipeline, MSHRs, channel) and answers with the time
/// the data will be ready. Times may lie ahead of `Simulator.now`: the private hierarchy
/// is timed by reservation (docs/DESIGN.md).
public protocol MemorySide: AnyObject {
    /// Reads `line`, requested at `time`; returns when its data is ready at the requester.
    func read(line: UInt64, at time: Tick) -> Tick
    /// Writes back the dirty `line` at `time`; no answer.
    func writeback(line: UInt64, at time: Tick)
}
