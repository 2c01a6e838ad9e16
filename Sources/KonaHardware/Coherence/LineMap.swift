/// A hash map from line numbers to small values: open addressing with linear probing over
/// flat arrays, a multiplicative hash, and backward-shift deletion (no tombstones).
///
/// Stands in for `Dictionary<UInt64, Value>` on the coherence controllers' hot paths: no
/// per-lookup hashing state, no per-entry allocation. Keys are line numbers; `UInt64.max`
/// (never a line number) marks an empty slot. An empty map allocates nothing: it probes one
/// shared empty slot until its first insertion.
public struct LineMap<Value> {
    @usableFromInline static var empty: UInt64 { .max }
    @usableFromInline var keys: [UInt64]
    @usableFromInline var values: [Value?]
    @usableFromInline var mask: Int
    @usableFromInline var storedCount = 0
    /// Number of entries.
    @inlinable public var count: Int { storedCount }

    /// An empty map.
    @inlinable public init() {
        keys = lineMapNoKeys
        values = []
        mask = 0
    }

    @inlinable @inline(__always)
    func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

    @inlinable @inline(__always)
    func slot(of key: UInt64) -> Int? {
        var i = home(key)
        while true {
            let k = keys[i]
            if k == key { return i }
            if k == Self.empty { return nil }
            i = (i &+ 1) & mask
        }
    }

    /// Whether the map is empty.
    @inlinable public var isEmpty: Bool { storedCount == 0 }

    /// The value for `key`; assigning nil removes it.
    @inlinable public subscript(key: UInt64) -> Value? {
        @inline(__always) get { slot(of: key).flatMap { values[$0] } }
        set {
            if let newValue { insert(key, newValue) } else { _ = removeValue(forKey: key) }
        }
    }

    @inlinable mutating func insert(_ key: UInt64, _ value: Value) {
        precondition(key != Self.empty, "line number \(key) is reserved")
        var i = home(key)
        while true {
            let k = keys[i]
            if k == key { values[i] = value; return }
            if k == Self.empty { break }
            i = (i &+ 1) & mask
        }
        if (count + 1) * 4 > keys.count * 3 {
            grow()
            insert(key, value)
            return
        }
        keys[i] = key
        values[i] = value
        storedCount += 1
    }

    /// Removes and returns the value for `key`.
    @inlinable @discardableResult
    public mutating func removeValue(forKey key: UInt64) -> Value? {
        guard var hole = slot(of: key) else { return nil }
        let removed = values[hole]
        storedCount -= 1
        // Backward shift: move later entries of the probe run into the hole when their
        // home position allows it, so lookups never need tombstones.
        var i = (hole &+ 1) & mask
        while keys[i] != Self.empty {
            let h = home(keys[i])
            let fits = hole <= i ? (h <= hole || h > i) : (h <= hole && h > i)
            if fits {
                keys[hole] = keys[i]
                values[hole] = values[i]
                hole = i
            }
            i = (i &+ 1) & mask
        }
        keys[hole] = Self.empty
        values[hole] = nil
        return removed
    }

    @inlinable mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = [UInt64](repeating: Self.empty, count: max(16, oldKeys.count * 2))
        values = [Value?](repeating: nil, count: keys.count)
        mask = keys.count - 1
        storedCount = 0
        for (k, v) in zip(oldKeys, oldValues) where k != Self.empty { insert(k, v!) }
    }

    /// Removes every entry, keeping the storage (written in place when not shared).
    @inlinable public mutating func removeAll() {
        guard storedCount > 0 else { return }
        for i in keys.indices where keys[i] != Self.empty {
            keys[i] = Self.empty
            values[i] = nil
        }
        storedCount = 0
    }

    /// The keys, in ascending order.
    @inlinable public var sortedKeys: [UInt64] { keys.filter { $0 != Self.empty }.sorted() }
}

/// The one slot, empty, of every map that has never held an entry (shared, never written:
/// the first insertion grows the map first).
@usableFromInline let lineMapNoKeys: [UInt64] = [.max]
