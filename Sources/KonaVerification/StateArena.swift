/// Encoded states back to back in one buffer (`konasim verify`'s frontier, and each worker's
/// successors of a batch): no allocation per state, about the encoding's size a state.
struct StateArena {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    /// Number of states held.
    var count: Int { ends.count }

    /// State `i`'s encoding.
    subscript(i: Int) -> ArraySlice<UInt8> { bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]] }

    /// Adds a state; its number is the count before.
    mutating func append(_ state: some Collection<UInt8>) {
        bytes.append(contentsOf: state)
        ends.append(bytes.count)
    }

    /// Holds nothing, keeping the storage.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
}
