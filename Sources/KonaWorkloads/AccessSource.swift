/// A stream of memory accesses for one core: a trace reader or a generator.
///
/// Consumers on the simulator's hot path take accesses in batches with `fill(_:)`, so a
/// dynamic call is paid once per batch; implementations must not allocate per access.
public protocol AccessSource: AnyObject {
    /// Writes the next access and returns true, or returns false when the stream has ended.
    /// - Throws: `WorkloadError` for malformed input.
    func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool
    /// Writes up to `buffer.count` next accesses into `buffer` and returns how many; fewer
    /// than asked only at the end of the stream (0 once it has ended).
    /// - Throws: `WorkloadError` for malformed input; accesses before it are lost.
    func fill(_ buffer: UnsafeMutableBufferPointer<MemoryAccess>) throws(WorkloadError) -> Int
    /// Instructions read so far: those the accesses handed out carry (`MemoryAccess.instructions`),
    /// and, once the stream has ended, any after its last access (Lackey `I` records).
    var instructions: UInt64 { get }
}

extension AccessSource {
    /// Fills by calling `next(into:)` repeatedly (statically dispatched per conformance).
    public func fill(_ buffer: UnsafeMutableBufferPointer<MemoryAccess>) throws(WorkloadError) -> Int {
        var n = 0
        while n < buffer.count {
            guard try next(into: &buffer[n]) else { break }
            n &+= 1
        }
        return n
    }
}
