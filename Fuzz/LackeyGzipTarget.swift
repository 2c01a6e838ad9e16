import CZlib

/// libFuzzer target `lackey-gzip`: the input is Lackey text, which the target compresses
/// into a gzip file (two members when it holds a `#`, split there, as `cat a.gz b.gz`
/// makes) for `TraceDriver`, so that mutations of the text reach the parser through
/// `GzipInput`'s refills.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzipLackeyTrace(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = UnsafeBufferPointer(start: data, count: size)
    let split = text.firstIndex(of: UInt8(ascii: "#")) ?? size
    let file = gzip(UnsafeBufferPointer(rebasing: text[..<split]))
        + (split < size ? gzip(UnsafeBufferPointer(rebasing: text[(split + 1)...])) : [])
    let path = file.withUnsafeBufferPointer { FuzzFile.write($0.baseAddress, $0.count) }
    TraceDriver.read(path, length: file.count)
    return 0
}

/// One gzip member holding `text` (zlib's deflate, level 6, gzip wrapper). Traps if zlib
/// fails, the harness's fault.
func gzip(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    var stream = z_stream()
    precondition(deflateInit2_(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    defer { deflateEnd(&stream) }
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(text.count))))
    let status = out.withUnsafeMutableBufferPointer { buffer in
        stream.next_in = UnsafeMutablePointer(mutating: text.baseAddress)
        stream.avail_in = UInt32(text.count)
        stream.next_out = buffer.baseAddress
        stream.avail_out = UInt32(buffer.count)
        return deflate(&stream, Z_FINISH)
    }
    precondition(status == Z_STREAM_END, "deflate: \(status)")
    return Array(out.prefix(Int(stream.total_out)))
}
