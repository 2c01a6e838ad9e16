/// A controller's `onTransition` closure in a box of its own, called through a guaranteed
/// reference to the box: a closure read from a controller's variable is copied (its context
/// retained and released) on every transition.
final class TransitionHook<State, Event> {
    let call: (UInt64, State, Event, State) -> Void
    init(_ call: @escaping (UInt64, State, Event, State) -> Void) { self.call = call }
}

/// Where a controller keeps its transition hook: the box, and an unretained reference to it
/// for the executor.
struct TransitionHookSlot<State, Event> {
    private var box: TransitionHook<State, Event>?
    /// The box, unretained (`box` keeps it alive).
    private(set) var unretained: Unmanaged<TransitionHook<State, Event>>?

    init() {}

    /// The closure, or nil for none.
    var closure: ((UInt64, State, Event, State) -> Void)? {
        get { box?.call }
        set {
            box = newValue.map { TransitionHook($0) }
            unretained = box.map { Unmanaged.passUnretained($0) }
        }
    }
}
