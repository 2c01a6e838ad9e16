/// libFuzzer target `binary`: the input, as it is, is a file `konasim run --trace` reads;
/// `TraceDriver` reads it. Most mutations break a CRC-32 and stop at the header or the
/// first block; `binary-repaired` looks past the checksums.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBinaryTrace(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    TraceDriver.read(FuzzFile.write(data, size), length: size)
    return 0
}
