extension UnsafePointer<UInt8> {
    /// The little-endian integer at `self + offset`.
    @inline(__always)
    func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(littleEndian: UnsafeRawPointer(self + offset).loadUnaligned(as: T.self))
    }
}
