extension UnsafeMutablePointer<UInt8> {
    /// Stores `value` little-endian at `self + offset`.
    @inline(__always)
    func storeLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { UnsafeMutableRawPointer(self + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// Writes `value` as an unsigned LEB128 varint at `self + offset`; returns the offset after it.
    @inline(__always)
    func storeVarint(_ value: UInt64, at offset: Int) -> Int {
        var v = value, o = offset
        while v >= 0x80 {
            self[o] = UInt8(truncatingIfNeeded: v) | 0x80
            v >>= 7
            o &+= 1
        }
        self[o] = UInt8(v)
        return o &+ 1
    }
}
