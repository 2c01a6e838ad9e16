/// A hash map from line numbers to small values: open addressing with linear probing over
/// flat buffers, a multiplicative hash, and backward-shift deletion (no tombstones). At most
/// half of the slots are used (a lookup of an absent line probes about 2.5 slots; at three
/// quarters, about 8.5).
///
/// Stands in for `Dictionary<UInt64, Value>` on the coherence controllers' hot paths: no
/// per-lookup hashing state, no per-entry allocation, no bounds or uniqueness checks per
/// probe (one uniqueness check per change: the map is a value, copied on write, as the
/// explorer's snapshots of controller state need). Keys are line numbers; `UInt64.max`
/// (never a line number) marks an empty slot. An empty map allocates nothing.
public struct LineMap<Value> {
    @usableFromInline static var empty: UInt64 { .max }

    /// The slots: keys, and a value initialized wherever the key is not `empty`.
    @usableFromInline final class Storage {
        @usableFromInline let keys: UnsafeMutablePointer<UInt64>
        @usableFromInline let values: UnsafeMutablePointer<Value>
        @usableFromInline let capacity: Int

        @usableFromInline init(capacity: Int) {
            self.capacity = capacity
            keys = .allocate(capacity: capacity)
            keys.initialize(repeating: LineMap.empty, count: capacity)
            values = .allocate(capacity: capacity)
        }

        @usableFromInline func copy() -> Storage {
            let other = Storage(capacity: capacity)
            other.keys.update(from: keys, count: capacity)
            for i in 0 ..< capacity where keys[i] != LineMap.empty { (other.values + i).initialize(to: values[i]) }
            return other
        }

        deinit {
            // Plain values need no deinitialization: no walk over the slots.
            if !_isPOD(Value.self) {
                for i in 0 ..< capacity where keys[i] != LineMap.empty { (values + i).deinitialize(count: 1) }
            }
            keys.deallocate()
            values.deallocate()
        }
    }

    /// The slots' owner (nil until the first insertion).
    @usableFromInline var storage: Storage?
    /// The storage's slots, also held here: a lookup reads them without loading (and
    /// retaining) the storage reference. Nil while the map has no storage.
    @usableFromInline var keys: UnsafeMutablePointer<UInt64>?
    @usableFromInline var values: UnsafeMutablePointer<Value>?
    @usableFromInline var mask = 0
    @usableFromInline var storedCount = 0
    /// Number of entries.
    @inlinable public var count: Int { storedCount }

    /// An empty map.
    @inlinable public init() {}

    @inlinable @inline(__always)
    func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

    @inlinable @inline(__always)
    func slot(of key: UInt64) -> Int? {
        guard let keys else { return nil }
        var i = home(key)
        while true {
            let k = keys[i]
            if k == key { return i }
            if k == Self.empty { return nil }
            i = (i &+ 1) & mask
        }
    }

    /// Makes the storage this map's own before a change.
    @inlinable @inline(__always)
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage), let shared = storage { adopt(shared.copy()) }
    }

    /// Takes `storage` as this map's.
    @inlinable @inline(__always)
    mutating func adopt(_ storage: Storage) {
        self.storage = storage
        keys = storage.keys
        values = storage.values
    }

    /// Whether the map is empty.
    @inlinable public var isEmpty: Bool { storedCount == 0 }

    /// The value for `key`; assigning nil removes it.
    @inlinable public subscript(key: UInt64) -> Value? {
        @inline(__always) get {
            guard let i = slot(of: key) else { return nil }
            return values.unsafelyUnwrapped[i]
        }
        set {
            if let newValue { insert(key, newValue) } else { _ = removeValue(forKey: key) }
        }
    }

    @inlinable mutating func insert(_ key: UInt64, _ value: Value) {
        precondition(key != Self.empty, "line number \(key) is reserved")
        if storage != nil {
            makeUnique()                        // before any other reference to the storage
            let keys = self.keys.unsafelyUnwrapped, values = self.values.unsafelyUnwrapped
            var i = home(key)
            while true {
                let k = keys[i]
                if k == key {
                    values[i] = value
                    return
                }
                if k == Self.empty { break }
                i = (i &+ 1) & mask
            }
            if (count + 1) * 2 <= mask + 1 {
                keys[i] = key
                (values + i).initialize(to: value)
                storedCount += 1
                return
            }
        }
        grow()
        insert(key, value)
    }

    /// Removes and returns the value for `key`.
    @inlinable @discardableResult
    public mutating func removeValue(forKey key: UInt64) -> Value? {
        guard var hole = slot(of: key) else { return nil }
        makeUnique()
        let keys = self.keys.unsafelyUnwrapped, values = self.values.unsafelyUnwrapped
        let removed = (values + hole).move()
        storedCount -= 1
        // Backward shift: move later entries of the probe run into the hole when their
        // home position allows it, so lookups never need tombstones.
        var i = (hole &+ 1) & mask
        while keys[i] != Self.empty {
            let h = home(keys[i])
            let fits = hole <= i ? (h <= hole || h > i) : (h <= hole && h > i)
            if fits {
                keys[hole] = keys[i]
                (values + hole).moveInitialize(from: values + i, count: 1)
                hole = i
            }
            i = (i &+ 1) & mask
        }
        keys[hole] = Self.empty
        return removed
    }

    /// Doubles the slots (16 at the first insertion), moving the entries over in slot order
    /// (each to the first empty slot from its home: the keys are distinct, the new storage
    /// this map's own).
    @inlinable mutating func grow() {
        let old = storage
        let capacity = max(16, (old?.capacity ?? 1) * 2)
        adopt(Storage(capacity: capacity))
        mask = capacity - 1
        guard let old else { storedCount = 0; return }
        let keys = self.keys.unsafelyUnwrapped, values = self.values.unsafelyUnwrapped
        for j in 0 ..< old.capacity where old.keys[j] != Self.empty {
            let key = old.keys[j]
            var i = home(key)
            while keys[i] != Self.empty { i = (i &+ 1) & mask }
            keys[i] = key
            (values + i).initialize(to: old.values[j])
        }
    }

    /// Removes every entry, keeping the storage (written in place when not shared).
    @inlinable public mutating func removeAll() {
        guard storedCount > 0 else { return }
        makeUnique()
        let keys = self.keys.unsafelyUnwrapped, values = self.values.unsafelyUnwrapped
        for i in 0 ... mask where keys[i] != Self.empty {
            keys[i] = Self.empty
            (values + i).deinitialize(count: 1)
        }
        storedCount = 0
    }

    /// The keys, in ascending order.
    @inlinable public var sortedKeys: [UInt64] {
        guard let keys else { return [] }
        return UnsafeBufferPointer(start: keys, count: mask + 1).filter { $0 != Self.empty }.sorted()
    }
}
