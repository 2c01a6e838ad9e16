extension MemoryAccess {
    /// The access a data record makes (for a Lackey `M`, its load; `storeHalf` is the
    /// store), carrying `instructions`: what its thread executed since its previous access.
    @inline(__always)
    init(_ record: TraceRecord, instructions: UInt32) {
        self.init(address: record.address, size: record.size, kind: record.kind == .store ? .store : .load,
                  instructions: instructions)
    }

    /// The store of a Lackey `M` whose load is this access: the same bytes, one record with
    /// the load, and the load's instruction (none of its own).
    var storeHalf: MemoryAccess {
        MemoryAccess(address: address, size: size, kind: .store, continuesRecord: true)
    }
}
