/// A seeded pseudo-random stream (xoshiro256**), one per component.
///
/// Streams are derived from the run seed and the component path, so adding a component
/// never changes the numbers another component draws. O(1) per draw, no allocation.
public struct RandomStream: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// The stream of `path` in a run seeded with `seed`.
    public init(seed: UInt64, path: String) {
        self.init(rawSeed: seed ^ FNV1a.hash(path).rotated(by: 17))
    }

    /// A stream seeded directly (splitmix64 expands the seed into the state).
    public init(rawSeed: UInt64) {
        var x = rawSeed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotated(by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3.rotated(by: 45)
        return result
    }

    /// A uniform integer in `0 ..< bound` (Lemire's method, unbiased).
    /// - Precondition: `bound > 0`.
    @inline(__always)
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "random bound must be positive")
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    @inline(__always)
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}

extension UInt64 {
    @inline(__always)
    func rotated(by k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}
