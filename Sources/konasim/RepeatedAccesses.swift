import KonaWorkloads

/// An access stream held in memory and handed out `times` times over (benchmarks repeat a
/// fixture to reach a length without reading the file again).
final class RepeatedAccesses: AccessSource {
    private let accesses: [MemoryAccess]
    private var position = 0
    private var left: Int
    let instructions: UInt64 = 0

    /// The accesses `source` gives until it ends, `times` times over.
    init(reading source: any AccessSource, times: Int) throws(WorkloadError) {
        var all: [MemoryAccess] = []
        var access = MemoryAccess.none
        while try source.next(into: &access) { all.append(access) }
        accesses = all
        left = all.isEmpty ? 0 : times
    }

    /// Accesses in one pass.
    var count: Int { accesses.count }

    func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        if position == accesses.count {
            guard left > 1 else { return false }
            left -= 1
            position = 0
        }
        access = accesses[position]
        position += 1
        return true
    }

    /// Fills `buffer` by copying runs of the held accesses (one copy per pass boundary
    /// rather than a call per access).
    func fill(_ buffer: UnsafeMutableBufferPointer<MemoryAccess>) throws(WorkloadError) -> Int {
        var n = 0
        while n < buffer.count {
            if position == accesses.count {
                guard left > 1 else { break }
                left -= 1
                position = 0
            }
            let run = min(buffer.count - n, accesses.count - position)
            accesses.withUnsafeBufferPointer { held in
                _ = UnsafeMutableBufferPointer(rebasing: buffer[n ..< n + run])
                    .update(fromContentsOf: UnsafeBufferPointer(rebasing: held[position ..< position + run]))
            }
            position += run
            n += run
        }
        return n
    }
}
