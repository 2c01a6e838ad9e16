import KonaWorkloads

/// A trace held in memory, handed out in batches by copying.
final class PrebuiltTrace: AccessSource {
    private let accesses: [MemoryAccess]
    private var position = 0
    var instructions: UInt64 { 0 }

    init(_ source: AnchorTrace) {
        var all: [MemoryAccess] = []
        var access = MemoryAccess.none
        while (try? source.next(into: &access)) == true { all.append(access) }
        accesses = all
    }

    func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        guard position < accesses.count else { return false }
        access = accesses[position]
        position += 1
        return true
    }

    func fill(_ buffer: UnsafeMutableBufferPointer<MemoryAccess>) throws(WorkloadError) -> Int {
        let n = min(buffer.count, accesses.count - position)
        accesses.withUnsafeBufferPointer { all in
            buffer.baseAddress!.update(from: all.baseAddress! + position, count: n)
        }
        position += n
        return n
    }
}
