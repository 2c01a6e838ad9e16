import KonaEngine
import KonaWorkloads

/// What a core issues its accesses to: its first-level cache, timed by reservation.
///
/// `access` answers with the access's `Cache.Timing`. A memory whose answer depends on
/// other components (a coherent miss) returns `ready == Tick.max` (deferred: it calls the
/// core's `completeDeferred` when the data arrives), or `accepted == Tick.max` when it
/// cannot take the access now (no MSHR free: the core retries after a deferred completion).
public protocol CoreMemory: AnyObject {
    /// Whether `access` may defer or refuse (false lets the core's loop drop those checks).
    static var defers: Bool { get }
    func access(line: UInt64, isStore: Bool, at time: Tick) -> Cache.Timing
}

extension Cache: CoreMemory {
    public static var defers: Bool { false }
}
