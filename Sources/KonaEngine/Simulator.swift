/// The discrete-event kernel: a clock, an event queue and the registered components.
///
/// Knows nothing of caches or coherence. Events are dispatched in `(time, priority, sequence)`
/// order, so a run is a deterministic function of its inputs. When the queue drains while a
/// component still reports outstanding transactions, the run stops with a `.stuck` error
/// naming them instead of hanging.
public final class Simulator {
    /// Current simulated time: the time of the event being handled.
    public private(set) var now: Tick = 0
    /// Number of events dispatched so far.
    public private(set) var eventsDispatched: UInt64 = 0
    private let queue = EventQueue(capacity: 4096)
    private var components: ContiguousArray<any Component> = []
    /// The same components, unretained, with their types: dispatching an event through them
    /// calls `handle` without retaining the component (the array above keeps it alive).
    private var targets = UnsafeMutablePointer<DispatchTarget>.allocate(capacity: 16)
    private var targetCapacity = 16
    private var pathToID: [String: ComponentID] = [:]
    private var stopRequest: String?
    private var runLimit: Tick = .max

    /// An empty simulator at time 0.
    public init() {}

    deinit { targets.deallocate() }

    /// Why `run` returned normally.
    public enum StopReason: Equatable, Sendable {
        /// No events left and no component has outstanding work.
        case drained
        /// The next event lies beyond the time limit.
        case timeLimit
        /// A component asked to stop, with its reason.
        case requested(String)
    }

    // MARK: Components

    /// Registers a component and returns its ID. O(1).
    /// - Precondition: the path is valid and not yet registered.
    @discardableResult
    public func register(_ component: any Component) -> ComponentID {
        precondition(ComponentPath.isValid(component.path), "invalid component path '\(component.path)'")
        precondition(pathToID[component.path] == nil, "component path '\(component.path)' registered twice")
        let id = ComponentID(raw: UInt32(components.count))
        components.append(component)
        if components.count > targetCapacity {
            let bigger = UnsafeMutablePointer<DispatchTarget>.allocate(capacity: 2 * targetCapacity)
            bigger.initialize(from: targets, count: targetCapacity)
            targets.deallocate()
            targets = bigger
            targetCapacity *= 2
        }
        (targets + Int(id.raw)).initialize(to: DispatchTarget(component))
        pathToID[component.path] = id
        return id
    }

    /// The ID of the component at `path`, if registered.
    public func id(of path: String) -> ComponentID? { pathToID[path] }


    // MARK: Scheduling

    /// Schedules an event for `target` at absolute time `time`. O(log n).
    /// - Precondition: `time >= now` (the past cannot be changed).
    @inline(__always)
    public func schedule(at time: Tick, target: ComponentID, kind: UInt32, payload: UInt64 = 0,
                         priority: UInt8 = 128) {
        precondition(time >= now, "event scheduled at \(time) ps, before now (\(now) ps)")
        queue.push(time: time, priority: priority, target: target, kind: kind, payload: payload)
    }

    /// The time of the earliest pending event, or `Tick.max` if none.
    @inline(__always)
    public var nextEventTime: Tick { queue.nextTime }

    /// How far a component may run ahead inline: the earlier of the next event's time and
    /// the limit of the current `run(until:)`.
    @inline(__always)
    public var horizon: Tick { min(queue.nextTime, runLimit) }

    /// Number of pending events.
    public var pendingEvents: Int { queue.count }

    /// Asks the run loop to return after the current event.
    public func requestStop(_ reason: String) {
        if stopRequest == nil { stopRequest = reason }
    }

    // MARK: Running

    /// Dispatches events in order until the queue drains, the next event lies after `limit`,
    /// or a component requests a stop.
    /// - Throws: `SimulationError` from a component, or `.stuck` when the queue drains while
    ///   a component still has outstanding transactions.
    @discardableResult
    public func run(until limit: Tick = .max) throws(SimulationError) -> StopReason {
        runLimit = limit
        defer { runLimit = .max }
        while !queue.isEmpty {
            if queue.nextTime > limit {
                now = limit
                return .timeLimit
            }
            let event = queue.pop()!
            now = event.time
            eventsDispatched &+= 1
            let target = targets[Int(event.target.raw)]
            try target.type.dispatch(event, to: target.object, in: self)
            if let reason = stopRequest {
                stopRequest = nil
                return .requested(reason)
            }
        }
        try checkNotStuck()
        return .drained
    }

    /// Every component's outstanding transactions, one line each, prefixed by its path.
    public func outstandingTransactions() -> [String] {
        var details: [String] = []
        for component in components {
            for transaction in component.outstandingTransactions() {
                details.append("\(component.path): \(transaction)")
            }
        }
        return details
    }

    /// Throws `.stuck` if any component reports outstanding work; call when nothing is scheduled.
    public func checkNotStuck() throws(SimulationError) {
        let details = outstandingTransactions()
        if !details.isEmpty {
            throw SimulationError(.stuck, time: now, component: "",
                                  message: "nothing is scheduled but \(details.count) transaction(s) are outstanding",
                                  details: details)
        }
    }
}
