import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KonaEngine

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
