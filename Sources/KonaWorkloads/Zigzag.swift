/// The zigzag code of `value` (0, -1, 1, -2 ... as 0, 1, 2, 3 ...), so that small
/// differences either way make short varints.
@inline(__always)
func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

/// The inverse of `zigzag`.
@inline(__always)
func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
