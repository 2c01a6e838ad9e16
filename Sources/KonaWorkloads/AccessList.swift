/// A fixed list of accesses, handed out in order: hand-written tests, and the empty
/// stream of a core that runs nothing.
public final class AccessList: AccessSource {
    private var items: [MemoryAccess]

    /// A source of `items`, first to last.
    public init(_ items: [MemoryAccess]) { self.items = items.reversed() }

    public var instructions: UInt64 { 0 }

    public func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        guard let a = items.popLast() else { return false }
        access = a
        return true
    }
}
