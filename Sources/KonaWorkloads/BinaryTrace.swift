import CZlib

/// The layout of KonaSim's binary trace format (`docs/trace-format.md`), shared by
/// `BinaryTraceWriter` and `BinaryTraceReader`. All integers are little-endian.
///
/// A file is a header (magic, version, thread count, file length, block count and their
/// CRC-32; then a thread table and its CRC-32) and then blocks. A block holds one thread's consecutive records (at most
/// `maxPayload` bytes of them) behind a 20-byte block header with a CRC-32 of the header
/// and one of the payload. Records are 1 to 31 bytes: a tag byte (kind, a size code, an
/// instruction-count code), then varints for a size or count that does not fit its code and
/// the zigzag difference from the block's previous address.
public enum BinaryTrace {
    /// The first 8 bytes of every file: `89 4B 54 52 0D 0A 1A 0A` ("\x89KTR\r\n\x1a\n"; the
    /// high first byte tells it from Lackey text, which is ASCII, and from gzip's `1f 8b`).
    public static let magic: [UInt8] = [0x89, 0x4B, 0x54, 0x52, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The version this build writes and reads.
    public static let version: UInt32 = 1
    /// Magic, version, thread count, file length, block count, and a CRC-32 of those 32 bytes.
    static let fixedHeaderBytes = 36
    /// One entry of the thread table.
    static let threadEntryBytes = 56
    /// Thread, payload length, records, payload CRC-32, header CRC-32.
    static let blockHeaderBytes = 20
    /// The most payload bytes in one block.
    static let maxPayload = 1 << 16
    /// The most bytes one record takes (tag, three 10-byte varints).
    static let maxRecordBytes = 31
    /// The most threads a header may list (bounds what a corrupt header can make a reader allocate).
    static let maxThreads = 1 << 16

    /// Bytes of the header of a file with `threads` threads: the fixed part, the table, its CRC-32.
    static func headerBytes(threads: Int) -> Int { fixedHeaderBytes + threads * threadEntryBytes + 4 }

    /// One thread's entry in the header: its id and what its records hold.
    public struct ThreadSummary: Sendable, Equatable {
        /// The Valgrind thread id.
        public var thread: UInt32
        /// Blocks holding its records.
        public var blocks: UInt64 = 0
        /// Data records (loads, stores and modifies; not `.instructions` records).
        public var records: UInt64 = 0
        public var loads: UInt64 = 0
        public var stores: UInt64 = 0
        /// Lackey `M` records: a load and a store each.
        public var modifies: UInt64 = 0
        public var instructions: UInt64 = 0

        public init(thread: UInt32) { self.thread = thread }
    }

    /// CRC-32 (zlib's, the polynomial of gzip and PNG) of `count` bytes at `bytes`.
    static func crc(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: crc32(0, bytes, UInt32(count)))
    }

    // MARK: Record tag byte

    /// Tag bits 0-1: the record's `TraceRecord.Kind`.
    static let kindMask: UInt8 = 0b11
    /// Tag bits 2-4: size 1 << code for codes 0...6 (1 to 64 bytes); 7: a varint follows.
    static let sizeShift: UInt8 = 2
    static let sizeEscape: UInt8 = 7
    /// Tag bits 5-7: the instruction count itself for 0...6; 7: a varint follows.
    static let instructionShift: UInt8 = 5
    static let instructionEscape: UInt8 = 7

    /// The size code of `size`: log2 for the powers of two 1...64, else the escape.
    @inline(__always)
    static func sizeCode(_ size: UInt32) -> UInt8 {
        size.nonzeroBitCount == 1 && size <= 64 ? UInt8(size.trailingZeroBitCount) : sizeEscape
    }
}
