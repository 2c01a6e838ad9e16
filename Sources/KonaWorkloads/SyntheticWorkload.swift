import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KonaEngine

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

/// Generates the accesses of a `SyntheticSpec`. O(1) per access and allocation-free after
/// init; a pointer chase builds its permutation (4 bytes per line) and a Zipf stream its
/// normalisation constant (O(items)) once at init. Instruction counts drawn from a range
/// come from a stream of their own, so they never change the addresses.
public final class SyntheticWorkload: AccessSource {
    private let spec: SyntheticSpec
    private var random: RandomStream
    private var instructionRandom: RandomStream
    private let instructionSpan: UInt64         // upper - lower + 1 of instructionsPerAccess
    private var issued: UInt64 = 0
    private let items: UInt64               // footprint / accessSize
    private let storeThreshold: UInt64      // store iff 53-bit draw < threshold
    private var cursor: UInt64 = 0          // sequential / strided offset, or chase line
    private var pass: UInt64 = 0            // strided: completed passes
    private var chase: [UInt32] = []
    private var zipf: ZipfSampler?
    public private(set) var instructions: UInt64 = 0

    /// A generator for `spec`.
    /// - Precondition: the spec is valid (the config layer checks footprints and sizes).
    public init(_ spec: SyntheticSpec) {
        precondition(spec.accessSize >= 1 && spec.footprint >= UInt64(spec.accessSize),
                     "footprint \(spec.footprint) smaller than access size \(spec.accessSize)")
        self.spec = spec
        self.random = RandomStream(rawSeed: spec.seed)
        self.instructionRandom = RandomStream(seed: spec.seed, path: "instructions")
        self.instructionSpan = UInt64(spec.instructionsPerAccess.upperBound - spec.instructionsPerAccess.lowerBound) + 1
        self.items = spec.footprint / UInt64(spec.accessSize)
        self.storeThreshold = UInt64(spec.storeFraction * Double(1 << 53))
        switch spec.pattern {
        case .pointerChase:
            let lines = max(1, spec.footprint / 64)
            precondition(lines <= UInt64(UInt32.max), "pointer chase over \(lines) lines is too large")
            chase = (0..<UInt32(lines)).map { $0 }
            // Sattolo's algorithm: a single cycle through every line.
            var i = chase.count - 1
            while i > 0 {
                let j = Int(random.next(below: UInt64(i)))
                chase.swapAt(i, j)
                i -= 1
            }
        case .zipfian:
            zipf = ZipfSampler(items: items, theta: spec.zipfTheta)
        default:
            break
        }
    }

    public func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        guard issued < spec.count else { return false }
        issued &+= 1
        var count = spec.instructionsPerAccess.lowerBound
        if instructionSpan > 1 { count &+= UInt32(truncatingIfNeeded: instructionRandom.next(below: instructionSpan)) }
        instructions &+= UInt64(count)
        let size = UInt64(spec.accessSize)
        var offset: UInt64
        switch spec.pattern {
        case .uniform:
            offset = random.next(below: items) * size
        case .sequential:
            offset = cursor
            cursor += size
            if cursor + size > spec.footprint { cursor = 0 }
        case .strided:
            offset = cursor
            cursor += spec.stride
            if cursor + size > spec.footprint {
                pass += 1
                cursor = (pass * size) % spec.stride
                if cursor + size > spec.footprint { cursor = 0; pass = 0 }
            }
        case .zipfian:
            offset = zipf!.next(&random) * size
        case .pointerChase:
            offset = UInt64(cursor) * 64
            cursor = UInt64(chase[Int(cursor)])
            access = MemoryAccess(address: spec.base + offset, size: min(spec.accessSize, 64),
                                  kind: .load, dependent: true, instructions: count)
            return true
        }
        let isStore = spec.storeFraction > 0 && (random.next() >> 11) < storeThreshold
        access = MemoryAccess(address: spec.base + offset, size: spec.accessSize,
                              kind: isStore ? .store : .load, instructions: count)
        return true
    }
}

/// Zipf sampling by Gray et al.'s method (as in YCSB): O(1) per draw after an O(n) setup,
/// done once per (items, theta) in a process (cores running the same spec share it).
struct ZipfSampler {
    private struct Key: Hashable { let items: UInt64, theta: Double }
    private static let zetas = Mutex<[Key: Double]>([:])

    let items: UInt64
    let theta: Double
    let alpha: Double
    let zetan: Double
    let eta: Double

    init(items: UInt64, theta: Double) {
        self.items = items
        self.theta = theta
        let key = Key(items: items, theta: theta)
        let zeta = Self.zetas.withLock { cache in
            if let known = cache[key] { return known }
            var sum = 0.0
            for i in 1...max(1, items) { sum += 1.0 / pow(Double(i), theta) }
            cache[key] = sum
            return sum
        }
        let zeta2 = 1.0 + 1.0 / pow(2.0, theta)
        self.zetan = zeta
        self.alpha = 1.0 / (1.0 - theta)
        self.eta = (1.0 - pow(2.0 / Double(items), 1.0 - theta)) / (1.0 - zeta2 / zeta)
    }

    func next(_ random: inout RandomStream) -> UInt64 {
        let u = random.nextUnit()
        let uz = u * zetan
        if uz < 1.0 { return 0 }
        if uz < 1.0 + pow(0.5, theta) { return min(1, items - 1) }
        let v = UInt64(Double(items) * pow(eta * u - eta + 1.0, alpha))
        return min(v, items - 1)
    }
}
