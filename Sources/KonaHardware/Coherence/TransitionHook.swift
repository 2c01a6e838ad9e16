/// A controller's `onTransition` closure in a box of its own, which the executor calls
/// through an unretained reference: a closure read from a controller's variable is copied
/// (its context retained and released) on every transition. Each controller keeps its
/// closure in a box of its own concrete type, so that calling it needs no reabstraction
/// (a generic box stores its closure in the generic, indirect form).
protocol TransitionHook: AnyObject {
    associatedtype State
    associatedtype Event
    /// Calls the closure: `line` went from `before` to `after` on `event`.
    func call(_ line: UInt64, _ before: State, _ event: Event, _ after: State)
}
