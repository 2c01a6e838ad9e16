import KonaProtocol

/// How a CXL link packs CXL.cachemem messages into flits (CXL 3.x section 6.2: 68B flit mode,
/// 256B flit mode and its latency-optimized variant). A flit's protocol payload is counted in
/// 16-byte slots.
///
/// - `flit68`: 68 bytes on the wire, four 16-byte slots (the rest is the protocol ID and CRC).
///   The only mode before CXL 3.0; it has no back-invalidation channels, so HDM-DB needs 256B flits.
/// - `standard256`: 256 bytes on the wire (a 2-byte header, 240 bytes of slots, 8 bytes of
///   CRC and 6 of FEC): fifteen slots, checked once the whole flit is in.
/// - `latencyOptimized256`: the same flit as two 128-byte halves, each with its own CRC; the
///   receiver may consume the first half's slots (0 to 6) once that half is in.
///
/// Simplified here: every message header takes one slot of its own (the standard packs several
/// small headers into one slot in some slot formats, so the count is an upper bound), a message
/// carrying a line takes four more, and the latency-optimized flit keeps fifteen full slots
/// (its extra CRC shortens one slot by a few bytes).
public enum CXLFlitFormat: String, Sendable, CaseIterable {
    case flit68 = "68"
    case standard256 = "256"
    case latencyOptimized256 = "256-latency-optimized"

    /// Bytes on the wire per flit.
    public var bytes: UInt64 { self == .flit68 ? 68 : 256 }

    /// 16-byte slots of protocol payload per flit.
    public var slots: Int { self == .flit68 ? 4 : 15 }

    /// Slots in the flit's first checked unit: the whole flit, or the first 128-byte half.
    public var slotsCheckedEarly: Int { self == .latencyOptimized256 ? 7 : slots }

    /// Slots `message` takes: its header, and four more if it carries a 64-byte line.
    public static func slotCount(of message: CXLMessage) -> Int { message.carriesData ? 5 : 1 }
}
