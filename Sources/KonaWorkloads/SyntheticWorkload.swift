import KonaEngine

/// Generates the accesses of a `SyntheticSpec`. O(1) per access and allocation-free after
/// init; a pointer chase builds its permutation (4 bytes per line) once at init, and a Zipf
/// stream its normalisation constant in O(1) (`ZipfSampler.zeta`). Instruction counts drawn from a range
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
