/// Wraps a source so that no access crosses a line boundary (64 bytes by default).
///
/// An access of `size` bytes at `address` that spans k lines becomes k accesses, each
/// covering its part of the original range in address order; the pieces of a dependent
/// access are all dependent. O(1) per access, no allocation.
public final class LineSplitter: AccessSource {
    private let inner: any AccessSource
    private let lineMask: UInt64
    private var pending = MemoryAccess.none
    private var remaining: UInt64 = 0   // bytes of `pending` not yet emitted

    /// Splits the accesses of `inner` at multiples of `lineSize` (a power of two).
    public init(_ inner: any AccessSource, lineSize: UInt64 = 64) {
        precondition(lineSize.nonzeroBitCount == 1, "line size \(lineSize) is not a power of two")
        self.inner = inner
        self.lineMask = lineSize - 1
    }

    public var instructions: UInt64 { inner.instructions }
    public var records: UInt64 { inner.records }

    public func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        if remaining == 0 {
            guard try inner.next(into: &pending) else { return false }
            remaining = UInt64(pending.size)
        }
        let toLineEnd = (lineMask + 1) - (pending.address & lineMask)
        let piece = min(toLineEnd, remaining)
        access = pending
        access.size = UInt32(piece)
        pending.address &+= piece
        remaining -= piece
        return true
    }
}
