/// A problem with a workload's input: a malformed trace line, a corrupt block of a binary
/// trace, an unreadable file.
public struct WorkloadError: Error, Sendable, CustomStringConvertible {
    /// The trace file (or generator name).
    public var file: String
    /// 1-based line, or 0 when not about a line.
    public var line: Int
    /// Byte offset in the file (binary traces), or nil.
    public var byteOffset: UInt64?
    /// What is wrong.
    public var problem: String

    public init(file: String, line: Int, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    /// An error at byte `byteOffset` of `file`.
    public init(file: String, byteOffset: UInt64, problem: String) {
        self.file = file
        self.line = 0
        self.byteOffset = byteOffset
        self.problem = problem
    }

    public var description: String {
        if let byteOffset { return "\(file): byte \(byteOffset): \(problem)" }
        return line > 0 ? "\(file):\(line): \(problem)" : "\(file): \(problem)"
    }
}
