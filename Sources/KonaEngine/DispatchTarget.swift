/// A registered component as the event loop calls it: the object, unretained, and its
/// type. Calling `handle` through the type's `dispatch` opens no existential value and
/// takes the object as a guaranteed reference, so an event costs no reference counting.
struct DispatchTarget {
    let object: Unmanaged<AnyObject>
    let type: any Component.Type

    init(_ component: any Component) {
        object = Unmanaged.passUnretained(component as AnyObject)
        type = Swift.type(of: component)
    }
}

extension Component {
    /// Hands `event` to `object`, which is a `Self`.
    @inline(__always)
    static func dispatch(_ event: Event, to object: Unmanaged<AnyObject>, in simulator: Simulator) throws(SimulationError) {
        var failure: SimulationError?
        Unmanaged<Self>.fromOpaque(object.toOpaque())._withUnsafeGuaranteedRef { component in
            do throws(SimulationError) { try component.handle(event, in: simulator) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
