/// The store half of a Lackey `M` (modify) record, which a trace reader returns as its own
/// access right after the load: both readers split an `M` this way. A flag and one access;
/// no allocation.
struct PendingStoreHalf {
    private var store = MemoryAccess.none
    private var waiting = false

    /// Hands over the waiting store half, if one waits.
    @inline(__always)
    mutating func take(into access: inout MemoryAccess) -> Bool {
        guard waiting else { return false }
        waiting = false
        access = store
        return true
    }

    /// The access `record` makes, carrying `instructions`; for an `M`, its store half then waits.
    @inline(__always)
    mutating func access(for record: TraceRecord, instructions: UInt32) -> MemoryAccess {
        let access = MemoryAccess(record, instructions: instructions)
        if record.kind == .modify { hold(access.storeHalf) }
        return access
    }

    /// Makes `storeHalf` the next access to hand over.
    @inline(__always)
    mutating func hold(_ storeHalf: MemoryAccess) {
        store = storeHalf
        waiting = true
    }
}
