/// Where a configuration value was set: a file position, a `--set` argument, or the default.
public struct Origin: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// The origin of values nobody set.
    public static let defaultValue = Origin(file: "<default>", line: 0, column: 0)

    public var description: String { "\(file):\(line):\(column)" }
}
