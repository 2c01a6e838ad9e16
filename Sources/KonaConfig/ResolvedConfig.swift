/// Every declared key with its value and where that value came from (defaults filled in).
public struct ResolvedConfig: Sendable {
    /// The schema the values follow.
    public let schema: ConfigSchema
    /// Value and origin of every key, by path.
    public private(set) var entries: [String: (value: ConfigValue, origin: Origin)]

    init(schema: ConfigSchema, entries: [String: (value: ConfigValue, origin: Origin)]) {
        self.schema = schema
        self.entries = entries
    }

    mutating func set(_ path: String, _ value: ConfigValue, origin: Origin) {
        entries[path] = (value, origin)
    }

    /// Where the value of `path` was set.
    public func origin(_ path: String) -> Origin { entries[path]?.origin ?? .defaultValue }

    /// An error located at the value of `path`.
    public func error(_ path: String, _ problem: String) -> ConfigError {
        ConfigError(at: origin(path), keyPath: path, problem: problem)
    }

    private func value(_ path: String) -> ConfigValue {
        guard let entry = entries[path] else { preconditionFailure("config key \(path) not declared") }
        return entry.value
    }

    /// An integer key.
    public func integer(_ path: String) -> Int64 {
        guard case .integer(let v) = value(path) else { preconditionFailure("\(path) is not an integer") }
        return v
    }

    /// A real key.
    public func real(_ path: String) -> Double {
        guard case .real(let v) = value(path) else { preconditionFailure("\(path) is not a real") }
        return v
    }

    /// A size, time, frequency or bandwidth key, in its base unit.
    public func quantity(_ path: String) -> UInt64 {
        guard case .quantity(let v) = value(path) else { preconditionFailure("\(path) is not a quantity") }
        return v
    }

    /// A choice or path key.
    public func string(_ path: String) -> String {
        guard case .string(let v) = value(path) else { preconditionFailure("\(path) is not a string") }
        return v
    }

    /// A boolean key.
    public func boolean(_ path: String) -> Bool {
        guard case .boolean(let v) = value(path) else { preconditionFailure("\(path) is not a boolean") }
        return v
    }

    /// Whether the value of `path` is a mapping (for a key whose value may be a word or a mapping).
    public func isMapping(_ path: String) -> Bool {
        if case .entries = value(path) { true } else { false }
    }

    /// A mapping key's entries, in the order written.
    public func entries(_ path: String) -> [ConfigEntry] {
        guard case .entries(let v) = value(path) else { preconditionFailure("\(path) is not a mapping") }
        return v
    }

    /// The value of the `.distribution` key `path`.
    public func distribution(_ path: String) -> CountDistribution {
        guard case .distribution(let range) = schema.key(path)?.type, case .success(let d) = CountDistribution.parse(string(path), in: range) else {
            preconditionFailure("\(path) is not a valid distribution")
        }
        return d
    }

    /// The value of `path` printed in canonical form (`32KiB`, `70ns`).
    public func text(_ path: String) -> String {
        let key = schema.key(path)!
        return ConfigLoader.format(value(path), as: key.type)
    }

    /// The resolved configuration as YAML, in declaration order, every key present.
    public func yaml() -> String {
        var out = ""
        var openSections: [String] = []
        for key in schema.keys {
            let parts = key.path.split(separator: ".").map(String.init)
            let sectionParts = Array(parts.dropLast())
            var common = 0
            while common < min(openSections.count, sectionParts.count), openSections[common] == sectionParts[common] {
                common += 1
            }
            openSections = Array(openSections.prefix(common))
            for depth in common..<sectionParts.count {
                out += String(repeating: "  ", count: depth) + sectionParts[depth] + ":\n"
                openSections.append(sectionParts[depth])
            }
            let value: String
            if case .entries = self.value(key.path) {
                value = text(key.path)                          // a flow mapping
            } else if case .distribution = key.type {
                value = text(key.path)                          // a number, or a flow mapping
            } else {
                value = yamlScalar(text(key.path))
            }
            out += String(repeating: "  ", count: sectionParts.count) + parts.last! + ": " + value + "\n"
        }
        return out
    }

    private func yamlScalar(_ text: String) -> String {
        if text.isEmpty { return "\"\"" }
        let needsQuotes = text.contains(where: { ":#{}[],&*!|>'\"%@`".contains($0) }) || text.first == " " || text.last == " "
        return needsQuotes ? "\"" + text.replacingOccurrences("\\", "\\\\").replacingOccurrences("\"", "\\\"") + "\"" : text
    }
}
