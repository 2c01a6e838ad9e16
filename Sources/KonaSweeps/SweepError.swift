/// A problem with a sweep's files or arguments (a results file that cannot be read, written
/// or merged); the CLI reports it as bad input (exit 2).
public struct SweepError: Error, CustomStringConvertible {
    public let message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}
