/// A recorded change, waiting to be emitted in time order.
struct PendingChange {
    var time: Tick
    var raw: UInt64
    var id: Int32
    /// Whether `raw`, as a signed amount, is added to the signal's value.
    var isDelta: Bool
}
