import KonaHardware

/// A synthetic stream of DRAM requests for `konasim bench dram` and the cross-check with an
/// established DRAM simulator: each request's line, kind and arrival cycle, open loop.
///
/// Request `i` arrives at cycle `floor(i * burstCycles / rate)` (clock cycles of `tCK`), so
/// `rate` 1 offers one line per burst time per channel: the data bus's peak. The same
/// requests are written as a DRAMsim3 trace (`traceLine`). O(1) per request, no allocation.
public struct DRAMStream: Sendable {
    /// What the requests touch.
    public enum Kind: String, Sendable, CaseIterable {
        /// Consecutive lines, reads.
        case seq
        /// Uniformly random lines over the whole memory, reads.
        case random
        /// Random lines, every third a write.
        case mix
        /// Reads alternating between two rows of the same bank (a row conflict each).
        case conflict
        /// Random reads, the offered rate rising from 10% to 100% of peak in 10 equal steps.
        case ramp
    }

    public let kind: Kind
    public let count: Int
    public let rate: Double
    let burstCycles: Int
    let lines: UInt64
    let rowStride: UInt64
    let rowLines: UInt64

    /// `count` requests of `kind` for a memory of `parameters` (of `rows` rows per bank) at `rate` of peak.
    public init(_ kind: Kind, count: Int, rate: Double, parameters p: DRAMParameters, rows: UInt64 = 65_536) {
        self.kind = kind
        self.count = count
        self.rate = rate
        burstCycles = p.burstCycles
        rowLines = UInt64(p.rowLines)
        rowStride = UInt64(p.rowLines * p.banksPerRank * p.ranks * p.channels)
        lines = rowStride * rows
    }

    /// The step (0-9) of the ramp request `i` falls in.
    public func step(_ i: Int) -> Int { min(9, i * 10 / max(count, 1)) }

    /// Request `i`: its line, whether it writes, and its arrival cycle.
    public func request(_ i: Int) -> (line: UInt64, write: Bool, cycle: UInt64) {
        let cycle: UInt64
        if kind == .ramp {
            // Each step's requests follow the previous step's last at the step's rate.
            let per = max(count / 10, 1)
            var start = 0.0
            for s in 0 ..< step(i) { start += Double(per) * Double(burstCycles) / (Double(s + 1) / 10) }
            cycle = UInt64(start + Double(i - step(i) * per) * Double(burstCycles) / (Double(step(i) + 1) / 10))
        } else {
            cycle = UInt64(Double(i) * Double(burstCycles) / rate)
        }
        switch kind {
        case .seq: return (UInt64(i) % lines, false, cycle)
        case .random, .ramp: return (Self.mix64(UInt64(i)) % lines, false, cycle)
        case .mix: return (Self.mix64(UInt64(i)) % lines, i % 3 == 2, cycle)
        case .conflict: return ((UInt64(i) & 1) * rowStride + UInt64(i >> 1) % rowLines, false, cycle)
        }
    }

    /// Request `i` as a line of a DRAMsim3 trace: byte address, READ or WRITE, cycle.
    public func traceLine(_ i: Int) -> String {
        let r = request(i)
        return "0x" + String(r.line << 6, radix: 16) + (r.write ? " WRITE " : " READ ") + String(r.cycle)
    }

    /// splitmix64's finalizer: a fixed, seedless hash, so KonaSim and a C++ reader agree.
    static func mix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
