/// Wraps a source so that no access crosses a line boundary (64 bytes by default).
///
/// An access of `size` bytes at `address` that spans k lines becomes k accesses, each
/// covering its part of the original range in address order; the pieces of a dependent
/// access are all dependent, and the pieces after the first continue the first's record and
/// carry no instructions of their own. Reads its source in batches of 256; O(1) per access, no
/// allocation after init.
public final class LineSplitter: AccessSource {
    private let inner: any AccessSource
    private let lineMask: UInt64
    private var pending = MemoryAccess.none
    private var remaining: UInt64 = 0   // bytes of `pending` not yet emitted
    private let batch = UnsafeMutableBufferPointer<MemoryAccess>.allocate(capacity: 256)
    private var batchNext = 0
    private var batchCount = 0

    /// Splits the accesses of `inner` at multiples of `lineSize` (a power of two).
    public init(_ inner: any AccessSource, lineSize: UInt64 = 64) {
        precondition(lineSize.nonzeroBitCount == 1, "line size \(lineSize) is not a power of two")
        self.inner = inner
        self.lineMask = lineSize - 1
    }

    deinit { batch.deallocate() }

    /// The next unsplit access from the source, refilling the batch when it is used up.
    @inline(__always)
    private func nextRaw(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        if batchNext == batchCount {
            batchCount = try inner.fill(batch)
            batchNext = 0
            if batchCount == 0 { return false }
        }
        access = batch[batchNext]
        batchNext &+= 1
        return true
    }

    public var instructions: UInt64 { inner.instructions }

    public func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        if remaining == 0 {
            guard try nextRaw(into: &pending) else { return false }
            if (pending.address & lineMask) &+ UInt64(pending.size) <= lineMask &+ 1 {
                access = pending                 // the common case: within one line
                return true
            }
            remaining = UInt64(pending.size)
        }
        let toLineEnd = (lineMask + 1) - (pending.address & lineMask)
        let piece = min(toLineEnd, remaining)
        access = pending
        access.size = UInt32(piece)
        pending.address &+= piece
        pending.continuesRecord = true          // the pieces after the first,
        pending.instructions = 0                // which belong to the first's instruction
        remaining -= piece
        return true
    }

    /// Fills `buffer` with split accesses, one dynamic call to the source per batch. When
    /// nothing is held back, the source writes straight into the rest of `buffer` and a run
    /// with no line-crossing access stays there uncopied; from a line-crossing access on, the
    /// run is held back and split, and once it is used up the source again writes straight in.
    public func fill(_ buffer: UnsafeMutableBufferPointer<MemoryAccess>) throws(WorkloadError) -> Int {
        let lineSize = lineMask &+ 1
        var n = 0
        while n < buffer.count {
            if remaining == 0 && batchNext == batchCount && buffer.count &- n <= batch.count {
                let got = try inner.fill(UnsafeMutableBufferPointer(rebasing: buffer[n...]))
                let end = n &+ got
                var k = n
                while k < end && (buffer[k].address & lineMask) &+ UInt64(buffer[k].size) <= lineSize { k &+= 1 }
                if k == end { return end }
                // Hold back the rest from the first line-crossing access on.
                for j in k..<end { batch[j &- k] = buffer[j] }
                batchNext = 0
                batchCount = end &- k
                n = k
                continue
            }
            if remaining > 0 {
                guard try next(into: &buffer[n]) else { break }
                n &+= 1
                continue
            }
            if batchNext == batchCount {
                batchCount = try inner.fill(batch)
                batchNext = 0
                if batchCount == 0 { break }
            }
            let access = batch[batchNext]
            if (access.address & lineMask) &+ UInt64(access.size) <= lineSize {
                buffer[n] = access
                batchNext &+= 1
                n &+= 1
            } else {
                guard try next(into: &buffer[n]) else { break }
                n &+= 1
            }
        }
        return n
    }
}
