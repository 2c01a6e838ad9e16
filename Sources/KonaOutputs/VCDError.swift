/// A waveform file that cannot be written.
public struct VCDError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
