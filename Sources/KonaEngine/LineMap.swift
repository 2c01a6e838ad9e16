/// A hash map from line numbers to small values: open addressing with linear probing over
/// flat buffers, a multiplicative hash, and backward-shift deletion (no tombstones). A map
/// of up to `smallCapacity` slots is at most half full, a larger one three quarters.
///
/// Stands in for `Dictionary<UInt64, Value>` on hot paths keyed by line (or block) number:
/// no per-lookup hashing state, no per-entry allocation, no bounds or uniqueness checks per
/// probe (one uniqueness check per change: the map is a value, copied on write, for callers
/// that snapshot it). Keys are line numbers; `UInt64.max` (never a line number) marks an
/// empty slot. An empty map allocates nothing.
public struct LineMap<Value> {
    @usableFromInline static var empty: UInt64 { .max }
    /// Up to this many slots a map is kept at most half full (short probe runs for the small,
    /// busy maps), beyond it three quarters (the large ones keep their memory).
    @usableFromInline static var smallCapacity: Int { 4096 }

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
            if !_isPOD(Value.self) {            // plain values need no deinitialization
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

    /// The slot holding `key`, or -1: a position for `value(at:)`, and a hint for
    /// `update(_:to:hint:)` and `remove(_:hint:)` after other changes to the map.
    @inlinable @inline(__always)
    public func index(of key: UInt64) -> Int { slot(of: key) ?? -1 }

    /// Whether slot `index` (perhaps -1) holds `key`.
    @inlinable @inline(__always)
    public func holds(_ key: UInt64, at index: Int) -> Bool {
        guard index >= 0, index <= mask, let keys else { return false }
        return keys[index] == key
    }

    /// The value in slot `index` (from `index(of:)`, with no change to the map since).
    @inlinable @inline(__always)
    public func value(at index: Int) -> Value { values.unsafelyUnwrapped[index] }

    /// Sets `key`'s value: written in place when `hint` (an `index(of:)` from before
    /// other changes, or -1) is still `key`'s slot, else inserted. Saves a read-modify-write
    /// its second probe.
    @inlinable @inline(__always)
    public mutating func update(_ key: UInt64, to value: Value, hint: Int) {
        if hint >= 0 && hint <= mask && storage != nil {
            makeUnique()
            if keys.unsafelyUnwrapped[hint] == key {
                values.unsafelyUnwrapped[hint] = value
                return
            }
        }
        insert(key, value)
    }

    /// Changes `key`'s value in place through `body`, if `key` has one (nil otherwise);
    /// `body` must not touch the map.
    @inlinable @inline(__always) @discardableResult
    public mutating func modify<R>(_ key: UInt64, _ body: (inout Value) -> R) -> R? {
        guard let i = slot(of: key) else { return nil }
        makeUnique()
        return body(&(values.unsafelyUnwrapped + i).pointee)
    }

    /// Removes `key`'s value, from slot `hint` when that is still its slot (as in `update`).
    @inlinable @inline(__always)
    public mutating func remove(_ key: UInt64, hint: Int) {
        if hint >= 0 && hint <= mask && storage != nil && keys.unsafelyUnwrapped[hint] == key {
            makeUnique()
            _ = remove(at: hint)
        } else {
            _ = removeValue(forKey: key)
        }
    }

    /// Whether the slots may hold `entries` without growing.
    @inlinable @inline(__always)
    func fits(_ entries: Int) -> Bool {
        let slots = mask + 1
        return slots <= Self.smallCapacity ? entries * 2 <= slots : entries * 4 <= slots * 3
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
            if fits(count + 1) {
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
        guard let hole = slot(of: key) else { return nil }
        makeUnique()
        return remove(at: hole)
    }

    /// Removes and returns the value in slot `hole` (the storage is this map's own).
    @inlinable
    mutating func remove(at hole: Int) -> Value {
        var hole = hole
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

    /// Doubles the slots (16 at the first insertion), re-inserting in slot order: each entry
    /// goes to the first empty slot from its home (the keys are distinct), moved out of the
    /// old storage when this map owns it, else copied.
    @inlinable mutating func grow() {
        let owned = isKnownUniquelyReferenced(&storage)
        let old = storage
        let capacity = max(16, (old?.capacity ?? 1) * 2)
        adopt(Storage(capacity: capacity))
        mask = capacity - 1
        guard let old else { return }
        let keys = self.keys.unsafelyUnwrapped, values = self.values.unsafelyUnwrapped
        for i in 0 ..< old.capacity where old.keys[i] != Self.empty {
            let key = old.keys[i]
            var j = home(key)
            while keys[j] != Self.empty { j = (j &+ 1) & mask }
            keys[j] = key
            if owned {
                (values + j).moveInitialize(from: old.values + i, count: 1)
                old.keys[i] = Self.empty            // moved: the old storage's deinit skips it
            } else {
                (values + j).initialize(to: old.values[i])
            }
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

    /// Calls `body` with each key and its value in slot order, which depends on the map's
    /// history: for what no order changes (another map built from this one), never for output.
    @inlinable public func forEachInSlotOrder(_ body: (UInt64, Value) -> Void) {
        guard let keys, let values else { return }
        for i in 0 ... mask where keys[i] != Self.empty { body(keys[i], values[i]) }
    }

    /// The keys, in ascending order.
    @inlinable public var sortedKeys: [UInt64] {
        guard let keys else { return [] }
        return UnsafeBufferPointer(start: keys, count: mask + 1).filter { $0 != Self.empty }.sorted()
    }
}
