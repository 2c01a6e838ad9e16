/// `konasim verify`'s visited set, by hash compaction: each state is known by a 64-bit hash of
/// its canonical encoding (two states with the same hash would hide one of them: with n states
/// the chance is about n^2 / 2^65), numbered in the order found, with how it was first reached
/// (the number of the state it was reached from, and the step's position among that state's
/// enabled steps) for the shortest trace.
///
/// An open-addressing table of hashes and numbers (12 bytes a slot, at most three quarters
/// full), and the parents by number (6 bytes a state): 22 to 30 bytes a state.
struct VisitedStates {
    private var keys: [UInt64]
    private var numbers: [UInt32]
    private var mask: Int
    /// By state number: the state it was first reached from, and the step.
    private(set) var parent: [UInt32] = []
    private(set) var action: [UInt16] = []

    /// Number of states.
    var count: Int { parent.count }

    init() {
        keys = [UInt64](repeating: 0, count: 1 << 16)
        numbers = [UInt32](repeating: 0, count: 1 << 16)
        mask = (1 << 16) - 1
    }

    /// 0 marks an empty slot: a hash of 0 is kept as 1.
    private static func key(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// The number of the state hashed `hash`, if it has been seen.
    func number(of hash: UInt64) -> Int? {
        let key = Self.key(hash)
        var i = Int(truncatingIfNeeded: key) & mask
        while keys[i] != 0 {
            if keys[i] == key { return Int(numbers[i]) }
            i = (i &+ 1) & mask
        }
        return nil
    }

    /// Whether the state hashed `hash` has been seen.
    func contains(_ hash: UInt64) -> Bool { number(of: hash) != nil }

    /// The state hashed `hash`'s number, and whether it is new (then reached from `parent` by
    /// step `action`; the first state is its own parent).
    mutating func insert(_ hash: UInt64, parent: Int, action: Int) -> (number: Int, new: Bool) {
        let key = Self.key(hash)
        var i = Int(truncatingIfNeeded: key) & mask
        while keys[i] != 0 {
            if keys[i] == key { return (Int(numbers[i]), false) }
            i = (i &+ 1) & mask
        }
        let number = count
        precondition(number < Int(UInt32.max), "more states than konasim verify can number")
        keys[i] = key
        numbers[i] = UInt32(number)
        self.parent.append(UInt32(parent))
        self.action.append(UInt16(action))
        if count * 4 > keys.count * 3 { grow() }
        return (number, true)
    }

    private mutating func grow() {
        let oldKeys = keys, oldNumbers = numbers
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        numbers = [UInt32](repeating: 0, count: oldKeys.count * 2)
        mask = keys.count - 1
        for (key, number) in zip(oldKeys, oldNumbers) where key != 0 {
            var i = Int(truncatingIfNeeded: key) & mask
            while keys[i] != 0 { i = (i &+ 1) & mask }
            keys[i] = key
            numbers[i] = number
        }
    }
}
