/// A bad configuration value, naming where it came from: file, line, column and key path.
///
/// Syntax, type, range and unknown-key errors all take this form, so an editor can jump to
/// the spot: `hwconfigs/my.yaml:12:9: core.l1d.ways: expected an integer, got 'eight'`.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file (or `--set`, or `<default>`).
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    /// Dotted key path, or empty for a file-level problem.
    public var keyPath: String
    /// What is wrong and what would be right.
    public var problem: String

    public init(file: String, line: Int, column: Int, keyPath: String, problem: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.problem = problem
    }

    /// An error at a value's origin.
    public init(at origin: Origin, keyPath: String, problem: String) {
        self.init(file: origin.file, line: origin.line, column: origin.column, keyPath: keyPath, problem: problem)
    }

    public var description: String {
        "\(file):\(line):\(column): \(keyPath.isEmpty ? "" : keyPath + ": ")\(problem)"
    }
}
