/// Parameters of a synthetic access stream.
public struct SyntheticSpec: Sendable, Equatable {
    /// The address pattern.
    public enum Pattern: String, Sendable, CaseIterable {
        /// Independent uniform addresses in the footprint, aligned to the access size.
        case uniform
        /// Consecutive accesses of `accessSize` bytes, wrapping at the footprint.
        case sequential
        /// Every `stride` bytes, wrapping at the footprint (offset by one access size per pass).
        case strided
        /// Zipf-distributed over the footprint's `accessSize`-byte items; item 0 is hottest.
        case zipfian
        /// Dependent loads following a random cyclic permutation of the footprint's lines.
        case pointerChase = "pointer_chase"
    }

    public var pattern: Pattern
    /// Number of accesses to generate.
    public var count: UInt64
    /// Bytes covered, starting at `base`.
    public var footprint: UInt64
    /// Lowest address.
    public var base: UInt64
    /// Bytes per access.
    public var accessSize: UInt32
    /// Fraction of accesses that are stores, in [0, 1] (pointer chase: loads only).
    public var storeFraction: Double
    /// Distance between consecutive strided accesses.
    public var stride: UInt64
    /// Zipf skew (theta), in (0, 1) excluding 1; higher is more skewed.
    public var zipfTheta: Double
    /// Seed of this workload's random stream.
    public var seed: UInt64
    /// Instructions each access comes with, its own included (`MemoryAccess.instructions`):
    /// a fixed number when the bounds are equal, else uniform over the range. 0...0: bare
    /// accesses, no instructions.
    public var instructionsPerAccess: ClosedRange<UInt32>

    public init(pattern: Pattern, count: UInt64, footprint: UInt64, base: UInt64 = 0,
                accessSize: UInt32 = 8, storeFraction: Double = 0.3, stride: UInt64 = 64,
                zipfTheta: Double = 0.99, seed: UInt64 = 1, instructionsPerAccess: ClosedRange<UInt32> = 0...0) {
        self.pattern = pattern
        self.count = count
        self.footprint = footprint
        self.base = base
        self.accessSize = accessSize
        self.storeFraction = storeFraction
        self.stride = stride
        self.zipfTheta = zipfTheta
        self.seed = seed
        self.instructionsPerAccess = instructionsPerAccess
    }
}
