/// Which lines live in remote memory (homed by the FPGA) and which in local DRAM: a
/// physical range, plus a seeded fraction of pages chosen by a hash of the page number,
/// so a trace can put 0-100% of its pages in remote memory.
public struct RemotePlacement: Sendable {
    /// First and one-past-last line of the range (empty when both are 0).
    public let rangeLines: Range<UInt64>
    /// A page is remote when its hash is below this (0: none, `UInt64.max`: all).
    private let threshold: UInt64
    private let pageShift: UInt64
    private let seed: UInt64

    /// Lines in `[base, base + size)` bytes, and `fraction` of the other pages of
    /// `pageSize` bytes, are remote.
    public init(base: UInt64, size: UInt64, fraction: Double, pageSize: UInt64, seed: UInt64) {
        rangeLines = (base >> LineGeometry.lineShift) ..< ((base + size + 63) >> LineGeometry.lineShift)
        threshold = fraction >= 1 ? .max : UInt64(fraction * 18_446_744_073_709_551_616.0)
        pageShift = UInt64(pageSize.trailingZeroBitCount) - LineGeometry.lineShift
        self.seed = seed
    }

    /// Whether `line` is remote.
    @inline(__always)
    public func isRemote(_ line: UInt64) -> Bool {
        if rangeLines.contains(line) { return true }
        if threshold == 0 { return false }
        if threshold == .max { return true }
        // splitmix64 of the page number and the seed: the same pages are remote in every run.
        var z = (line >> pageShift) &+ seed &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) < threshold
    }
}
