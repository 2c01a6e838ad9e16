import CZlib

/// libFuzzer target `binary-repaired`: the input with its binary-trace checksums and
/// recorded length made right (`repair`), so that mutations reach the thread table, the
/// block headers and the record decoder instead of stopping at a CRC-32 mismatch.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRepairedBinaryTrace(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    repair(&bytes)
    let path = bytes.withUnsafeBufferPointer { FuzzFile.write($0.baseAddress, $0.count) }
    TraceDriver.read(path, length: size)
    return 0
}

/// Rewrites the fields a writer derives (`docs/trace-format.md`): the file length at byte
/// 16, the header's CRC-32 at 32, the thread table's CRC-32 when the table fits, then each
/// whole block's payload and header CRC-32s, walking blocks by their payload lengths until
/// one does not fit. Leaves everything else (counts, ids, lengths, records) as mutated.
/// O(n) in the input.
func repair(_ bytes: inout [UInt8]) {
    func crc(_ range: Range<Int>) -> UInt32 {
        bytes[range].withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress, UInt32($0.count))) }
    }
    func store(_ value: UInt64, at offset: Int, bytes width: Int) {
        for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
    func load(at offset: Int) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
    }
    guard bytes.count >= 36 else { return }
    store(UInt64(bytes.count), at: 16, bytes: 8)
    store(UInt64(crc(0..<32)), at: 32, bytes: 4)
    let threads = load(at: 12)
    guard bytes.count >= 40 && threads <= (bytes.count - 40) / 56 else { return }
    let tableEnd = 36 + 56 * threads
    store(UInt64(crc(36..<tableEnd)), at: tableEnd, bytes: 4)
    var block = tableEnd + 4
    while bytes.count - block >= 20 {
        let payload = load(at: block + 4)
        guard payload <= bytes.count - block - 20 else { return }
        store(UInt64(crc(block + 20..<block + 20 + payload)), at: block + 12, bytes: 4)
        store(UInt64(crc(block..<block + 16)), at: block + 16, bytes: 4)
        block += 20 + payload
    }
}
