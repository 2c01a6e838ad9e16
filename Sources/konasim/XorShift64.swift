/// The anchor's xorshift64 generator (shift triple 13, 7, 17; same seed).
struct XorShift64 {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    @inline(__always) mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
}
