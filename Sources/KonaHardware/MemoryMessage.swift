/// Event kinds exchanged between the levels of a memory hierarchy; the payload is a line
/// number (byte address / 64).
public enum MemoryMessage: UInt32, Sendable {
    /// Read a line (upper level to lower level).
    case read = 1
    /// Write back a dirty line (upper to lower); no response.
    case writeback = 2
    /// The data of a line, answering `read` (lower to upper).
    case data = 3
}

/// Line geometry shared by every cache in the model.
public enum LineGeometry {
    /// Bytes per cache line.
    public static let lineSize: UInt64 = 64
    /// log2 of `lineSize`.
    public static let lineShift: UInt64 = 6
    /// Bytes of a data message: a 64-byte line plus an 8-byte header.
    public static let dataMessageBytes: UInt64 = 72
    /// Bytes of a request message without data.
    public static let requestMessageBytes: UInt64 = 8
}
