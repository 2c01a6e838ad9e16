import KonaEngine

/// Miss status holding registers: one entry per line being fetched, each with a bounded
/// list of targets (the requests waiting for that line).
///
/// Flat arrays; allocate, add-target and release are O(1) and allocation-free.
public struct MSHRFile {
    /// Number of entries.
    public let capacity: Int
    /// Targets each entry can hold (the first is the request that allocated it).
    public let targetsPerEntry: Int
    /// Line number of each entry.
    public private(set) var line: [UInt64]
    /// When each entry was allocated.
    public private(set) var allocatedAt: [Tick]
    /// Number of targets of each entry; 0 for a free entry.
    public private(set) var targetCount: [Int]
    /// Target values, `targetsPerEntry` per entry.
    public private(set) var targets: [UInt64]
    private var free: [Int16]

    /// A file of `capacity` entries of `targetsPerEntry` targets each.
    public init(capacity: Int, targetsPerEntry: Int) {
        precondition(capacity >= 1 && capacity <= Int(Int16.max), "MSHR count \(capacity) outside 1...32767")
        precondition(targetsPerEntry >= 1, "MSHR targets \(targetsPerEntry) < 1")
        self.capacity = capacity
        self.targetsPerEntry = targetsPerEntry
        line = [UInt64](repeating: 0, count: capacity)
        allocatedAt = [Tick](repeating: 0, count: capacity)
        targetCount = [Int](repeating: 0, count: capacity)
        targets = [UInt64](repeating: 0, count: capacity * targetsPerEntry)
        free = (0..<Int16(capacity)).reversed().map { $0 }
        free.reserveCapacity(capacity)
    }

    /// Entries in use.
    public var occupied: Int { capacity - free.count }
    /// Whether an entry can be allocated.
    public var hasFree: Bool { !free.isEmpty }

    /// Allocates an entry for `line` with its first target.
    /// - Precondition: `hasFree`.
    public mutating func allocate(line l: UInt64, target: UInt64, at time: Tick) -> Int16 {
        let i = free.removeLast()
        let k = Int(i)
        line[k] = l
        allocatedAt[k] = time
        targetCount[k] = 1
        targets[k * targetsPerEntry] = target
        return i
    }

    /// Whether entry `i` can take another target.
    @inline(__always)
    public func canMerge(_ i: Int16) -> Bool { targetCount[Int(i)] < targetsPerEntry }

    /// Adds a target to entry `i`.
    /// - Precondition: `canMerge(i)`.
    public mutating func merge(_ i: Int16, target: UInt64) {
        let k = Int(i)
        targets[k * targetsPerEntry + targetCount[k]] = target
        targetCount[k] += 1
    }

    /// The targets of entry `i`, in arrival order.
    public func targetList(_ i: Int16) -> ArraySlice<UInt64> {
        let k = Int(i)
        return targets[(k * targetsPerEntry)..<(k * targetsPerEntry + targetCount[k])]
    }

    /// Frees entry `i`.
    public mutating func release(_ i: Int16) {
        targetCount[Int(i)] = 0
        free.append(i)
    }
}
