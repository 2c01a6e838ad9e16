/// Whether the FPGA's FMem is inclusive of the CPU caches for the lines it homes
/// (config `fpga.fmem.inclusion`).
///
/// Inclusive: evicting an FMem block recalls every line of it that a socket holds (`Recall`).
/// Non-inclusive: the eviction leaves those lines valid in the CPU caches (`Release`); the
/// directory keeps their entries, and a later dirty writeback of such a line goes straight
/// to remote memory (`WbOwnerDirty_Released`) unless the block is back in FMem by then.
public enum FMemInclusion: String, Sendable, CaseIterable {
    case inclusive
    case nonInclusive = "non_inclusive"
}
