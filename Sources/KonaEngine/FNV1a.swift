/// The 64-bit FNV-1a hash (Fowler, Noll, Vo) of a byte sequence: a stable, seedless hash
/// for deriving seeds and naming configs, not for security. O(1) per byte, no allocation.
public struct FNV1a: Sendable, Equatable {
    @usableFromInline var state: UInt64 = 0xcbf2_9ce4_8422_2325

    /// The hash of the bytes combined so far (the offset basis before any).
    public var value: UInt64 { state }

    public init() {}

    /// Folds `bytes` into the hash: for each, xor then multiply by the 64-bit FNV prime.
    /// Inlinable, so that callers in other modules (the explorer hashes every state) get it
    /// specialized for their sequence type.
    @inlinable
    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    }

    /// The hash of `text`'s UTF-8 bytes.
    public static func hash(_ text: String) -> UInt64 {
        var h = FNV1a()
        h.combine(text.utf8)
        return h.value
    }

    /// `value` as 16 lowercase hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
