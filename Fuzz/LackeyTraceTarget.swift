/// libFuzzer target `lackey`: the input, as it is, is a Lackey trace file, plain text or,
/// if it starts with gzip's `1f 8b`, gzip-compressed (corrupt and truncated streams
/// included); `TraceDriver` reads it. An input starting with `89` goes to the binary
/// reader, as in `konasim`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLackeyTrace(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    TraceDriver.read(FuzzFile.write(data, size), length: size)
    return 0
}
