import KonaWorkloads

/// The anchor's access streams (shared/anchors/cachesim_anchor.py), generated identically.
final class AnchorTrace: AccessSource {
    private let random: Bool
    private let count: UInt64
    private var issued: UInt64 = 0
    private var x: UInt64 = 42
    var instructions: UInt64 { 0 }

    init(random: Bool, count: UInt64) {
        self.random = random
        self.count = count
    }

    func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool {
        guard issued < count else { return false }
        defer { issued += 1 }
        if !random {
            access = MemoryAccess(address: 8 * issued, size: 8, kind: .load)
            return true
        }
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let isStore = (z & 0xFFFF_FFFF) % 10 < 3
        access = MemoryAccess(address: ((z >> 32) & ((1 << 23) - 1)) << 3, size: 8, kind: isStore ? .store : .load)
        return true
    }
}
