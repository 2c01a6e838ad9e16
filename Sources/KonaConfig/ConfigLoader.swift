#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Yams

/// Reads YAML configuration files into a `ResolvedConfig`.
///
/// Walks the composed YAML node tree (not a decoded dictionary), so every value keeps its
/// line and column. Supports `extends: base.yaml` (relative to the extending file; the
/// extending file's values win), `--set a.b.c=value` overrides applied last, and
/// reports unknown keys with the closest declared key.
public struct ConfigLoader: Sendable {
    /// The keys this loader accepts.
    public let schema: ConfigSchema

    public init(schema: ConfigSchema) { self.schema = schema }

    /// Loads `path` (or only defaults when nil), then applies `overrides` (`key=value`).
    public func load(path: String?, overrides: [String] = []) throws(ConfigError) -> ResolvedConfig {
        var config = try defaults()
        if let path { try apply(file: path, to: &config, chain: []) }
        try applyOverrides(overrides, to: &config)
        return config
    }

    /// Loads YAML text named `name` (used for the embedded default), then applies `overrides`.
    /// An `extends` in embedded text resolves relative to `baseDirectory`.
    public func load(text: String, name: String, baseDirectory: String = ".",
                     overrides: [String] = []) throws(ConfigError) -> ResolvedConfig {
        var config = try defaults()
        try apply(text: text, name: name, directory: baseDirectory, to: &config, chain: [name])
        try applyOverrides(overrides, to: &config)
        return config
    }

    /// Every key at its default.
    public func defaults() throws(ConfigError) -> ResolvedConfig { try defaults(under: "") }

    /// The defaults of the keys whose paths start with `prefix` only (what a check of one
    /// section against its defaults needs, without parsing every key's).
    public func defaults(under prefix: String) throws(ConfigError) -> ResolvedConfig {
        var entries: [String: (value: ConfigValue, origin: Origin)] = [:]
        for key in schema.keys where key.path.hasPrefix(prefix) {
            let value = try parse(key.defaultText ?? "", for: key, at: .defaultValue, directory: nil)
            entries[key.path] = (value, .defaultValue)
        }
        return ResolvedConfig(schema: schema, entries: entries)
    }

    // MARK: Files

    private func apply(file path: String, to config: inout ResolvedConfig, chain: [String]) throws(ConfigError) {
        let canonical = URL(fileURLWithPath: path).standardizedFileURL.path
        if chain.contains(canonical) {
            throw ConfigError(file: path, line: 1, column: 1, keyPath: "extends",
                              problem: "extends cycle: " + (chain + [canonical]).joined(separator: " -> "))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: 0, column: 0, keyPath: "", problem: "cannot read file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: 0, column: 0, keyPath: "", problem: "file is not UTF-8 text")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try apply(text: text, name: path, directory: directory, to: &config, chain: chain + [canonical])
    }

    private func apply(text: String, name: String, directory: String, to config: inout ResolvedConfig,
                       chain: [String]) throws(ConfigError) {
        let root: Node?
        do {
            root = try YAMLDocument.compose(text)
        } catch let error as YamlError {
            throw Self.syntaxError(error, file: name)
        } catch {
            throw ConfigError(file: name, line: 1, column: 1, keyPath: "", problem: "YAML error: \(error)")
        }
        guard let root else { return }   // an empty file sets nothing
        try apply(root: root, name: name, directory: directory, to: &config, chain: chain)
    }

    /// Applies a composed YAML mapping (a config file's root, or a config written inline in
    /// another file, such as a sweep's `base:`) to `config`; errors name `name` and the
    /// node's own line and column.
    public func apply(root: Node, name: String, directory: String, to config: inout ResolvedConfig) throws(ConfigError) {
        try apply(root: root, name: name, directory: directory, to: &config, chain: [name])
    }

    private func apply(root: Node, name: String, directory: String, to config: inout ResolvedConfig,
                       chain: [String]) throws(ConfigError) {
        guard case .mapping(let mapping) = root else {
            throw ConfigError(at: origin(root, name), keyPath: "", problem: "a config file must be a mapping of keys to values")
        }
        // `extends` first, so this file's values override the base's.
        for (keyNode, valueNode) in mapping where keyNode.string == "extends" {
            guard case .scalar(let scalar) = valueNode, !scalar.string.isEmpty else {
                throw ConfigError(at: origin(valueNode, name), keyPath: "extends", problem: "expected the path of a config file")
            }
            let basePath = scalar.string.hasPrefix("/") ? scalar.string : directory + "/" + scalar.string
            guard FileManager.default.fileExists(atPath: basePath) else {
                throw ConfigError(at: origin(valueNode, name), keyPath: "extends", problem: "no such file '\(basePath)'")
            }
            try apply(file: basePath, to: &config, chain: chain)
        }
        try walk(mapping, prefix: "", file: name, directory: directory, into: &config)
    }

    private func walk(_ mapping: Node.Mapping, prefix: String, file: String, directory: String,
                      into config: inout ResolvedConfig) throws(ConfigError) {
        var seen: Set<String> = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw ConfigError(at: origin(keyNode, file), keyPath: prefix, problem: "keys must be plain words")
            }
            let name = keyScalar.string
            if prefix.isEmpty && name == "extends" { continue }
            let path = prefix.isEmpty ? name : prefix + "." + name
            guard seen.insert(name).inserted else {
                throw ConfigError(at: origin(keyNode, file), keyPath: path, problem: "key given twice in this mapping")
            }
            if let key = schema.key(path) {
                let at = origin(valueNode, file)
                if case .mapping(let entries) = valueNode, key.type.isMapping {
                    config.set(path, try parse(entries, for: key, file: file, base: nil, directory: directory), origin: at)
                    continue
                }
                if case .distribution(let range) = key.type, case .mapping = valueNode {
                    switch CountDistribution.parse(valueNode, in: range) {
                    case .success(let d): config.set(path, .string(d.text), origin: at)
                    case .failure(let problem): throw ConfigError(at: at, keyPath: path, problem: problem.message)
                    }
                    continue
                }
                guard case .scalar(let scalar) = valueNode else {
                    throw ConfigError(at: at, keyPath: path, problem: "expected a single value (\(key.type.name)), got a \(kind(valueNode))")
                }
                if YAMLDocument.isNull(scalar) || (scalar.string.isEmpty && scalar.style == .plain && key.defaultText != nil && key.defaultText != "") {
                    throw ConfigError(at: at, keyPath: path, problem: "missing value (\(key.type.name))")
                }
                config.set(path, try parse(scalar.string, for: key, at: at, directory: directory), origin: at)
            } else if schema.sectionPaths.contains(path) {
                guard case .mapping(let child) = valueNode else {
                    throw ConfigError(at: origin(valueNode, file), keyPath: path, problem: "expected a section (a mapping of keys), got a \(kind(valueNode))")
                }
                try walk(child, prefix: path, file: file, directory: directory, into: &config)
            } else {
                throw unknownKey(path, at: origin(keyNode, file))
            }
        }
    }

    private func unknownKey(_ path: String, at origin: Origin) -> ConfigError {
        var problem = "unknown key"
        if let suggestion = schema.suggestion(for: path) { problem += "; did you mean '\(suggestion)'?" }
        return ConfigError(at: origin, keyPath: path, problem: problem)
    }

    // MARK: Overrides

    private func applyOverrides(_ overrides: [String], to config: inout ResolvedConfig) throws(ConfigError) {
        for (i, item) in overrides.enumerated() {
            let origin = Origin(file: "--set", line: i + 1, column: 1)
            guard let eq = item.firstIndex(of: "=") else {
                throw ConfigError(at: origin, keyPath: item, problem: "expected key=value, e.g. core.l1d.size=64KiB")
            }
            let path = String(item[..<eq]).trimmingSpaces
            var value = String(item[item.index(after: eq)...]).trimmingSpaces
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = String(value.dropFirst().dropLast())
            }
            let valueOrigin = Origin(file: "--set", line: i + 1, column: item.distance(from: item.startIndex, to: eq) + 2)
            guard let key = schema.key(path) else {
                throw unknownKey(path, at: origin)
            }
            config.set(path, try parse(value, for: key, at: valueOrigin, directory: nil), origin: valueOrigin)
        }
    }

    /// Sets `path` to the value written `text` at `origin` (a sweep axis value); unknown keys
    /// and bad values are errors at that origin.
    public func set(_ path: String, text: String, at origin: Origin, directory: String?,
                    in config: inout ResolvedConfig) throws(ConfigError) {
        guard let key = schema.key(path) else { throw unknownKey(path, at: origin) }
        config.set(path, try parse(text, for: key, at: origin, directory: directory), origin: origin)
    }

    // MARK: Values

    /// Parses the text of a value for `key`; errors point at `origin`.
    func parse(_ text: String, for key: ConfigKey, at origin: Origin, directory: String?) throws(ConfigError) -> ConfigValue {
        func fail(_ problem: String) -> ConfigError { ConfigError(at: origin, keyPath: key.path, problem: problem) }
        let trimmed = text.trimmingSpaces
        switch key.type {
        case .integer(let range):
            guard let v = Int64(trimmed.replacingUnderscores) else { throw fail("expected an integer, got '\(text)'") }
            guard range.contains(v) else { throw fail("\(v) is outside the allowed range \(rangeText(range))") }
            return .integer(v)
        case .real(let range):
            guard let v = Double(trimmed), v.isFinite else { throw fail("expected a number, got '\(text)'") }
            guard range.contains(v) else { throw fail("\(trimmed) is outside the allowed range \(range.lowerBound)...\(range.upperBound)") }
            return .real(v)
        case .bytes(let minimum, let powerOfTwo):
            let v: UInt64
            do { v = try Units.bytes(trimmed) } catch { throw fail(error.message) }
            guard v >= minimum else { throw fail("\(trimmed) is below the minimum \(Units.formatBytes(minimum))") }
            guard !powerOfTwo || v.nonzeroBitCount == 1 else { throw fail("\(trimmed) must be a power of two") }
            return .quantity(v)
        case .duration:
            do { return .quantity(try Units.duration(trimmed)) } catch { throw fail(error.message) }
        case .frequency:
            let v: UInt64
            do { v = try Units.frequency(trimmed) } catch { throw fail(error.message) }
            guard v >= 1 && v <= 1_000_000_000_000 else { throw fail("\(trimmed) is outside 1Hz...1THz") }
            return .quantity(v)
        case .bandwidth:
            do { return .quantity(try Units.bandwidth(trimmed)) } catch { throw fail(error.message) }
        case .choice(let options):
            guard options.contains(trimmed) else {
                var problem = "'\(text)' is not one of " + options.joined(separator: ", ")
                if let close = options.min(by: { editDistance($0, trimmed) < editDistance($1, trimmed) }),
                   editDistance(close, trimmed) <= 2 {
                    problem += "; did you mean '\(close)'?"
                }
                throw fail(problem)
            }
            return .string(trimmed)
        case .text:
            return .string(trimmed)
        case .path:
            if trimmed.isEmpty || trimmed.hasPrefix("/") || directory == nil { return .string(trimmed) }
            return .string(directory! + "/" + trimmed)
        case .distribution(let range):
            switch CountDistribution.parse(trimmed, in: range) {
            case .success(let d): return .string(d.text)
            case .failure(let problem): throw fail(problem.message)
            }
        case .boolean:
            switch trimmed {
            case "true", "yes", "on": return .boolean(true)
            case "false", "no", "off": return .boolean(false)
            default: throw fail("expected true or false, got '\(text)'")
            }
        case .threadPlacement:
            if trimmed == "round_robin" { return .string(trimmed) }
            guard trimmed.hasPrefix("{") else {
                throw fail("expected round_robin or a mapping of thread ids to cores, e.g. {1: cpu0, 3: cpu1}; got '\(text)'")
            }
            return try parseInline(trimmed, for: key, at: origin, directory: directory)
        case .coreTraces:
            if trimmed.isEmpty { return .entries([]) }
            guard trimmed.hasPrefix("{") else {
                throw fail("expected a mapping of cores to trace files, e.g. {cpu0: a.lackey, cpu1: b.lackey}; got '\(text)'")
            }
            return try parseInline(trimmed, for: key, at: origin, directory: directory)
        }
    }

    /// Parses a mapping written inline as text (`--set`, a sweep axis, a quoted value):
    /// YAML flow syntax; entries' origins count from `origin`.
    private func parseInline(_ text: String, for key: ConfigKey, at origin: Origin, directory: String?) throws(ConfigError) -> ConfigValue {
        let node: Node?
        do {
            node = try YAMLDocument.compose(text)
        } catch {
            throw ConfigError(at: origin, keyPath: key.path, problem: "cannot read the mapping '\(text)': \(error)")
        }
        guard case .mapping(let mapping) = node else {
            throw ConfigError(at: origin, keyPath: key.path, problem: "expected a mapping in braces, got '\(text)'")
        }
        return try parse(mapping, for: key, file: origin.file, base: origin, directory: directory)
    }

    /// Checks and canonicalises a mapping value: thread ids to cores (`threadPlacement`), or
    /// cores to paths (`coreTraces`). `base`: the origin of inline text the nodes' marks count from.
    private func parse(_ mapping: Node.Mapping, for key: ConfigKey, file: String, base: Origin?,
                       directory: String?) throws(ConfigError) -> ConfigValue {
        func at(_ node: Node) -> Origin {
            let line = node.mark?.line ?? 0, column = node.mark?.column ?? 0
            guard let base else { return Origin(file: file, line: line, column: column) }
            return Origin(file: base.file, line: base.line + line - 1, column: line == 1 ? base.column + column - 1 : column)
        }
        func core(_ node: Node) throws(ConfigError) -> String {
            let text = node.scalar?.string.trimmingSpaces ?? ""
            guard text.hasPrefix("cpu"), let n = Int(text.dropFirst(3)), n >= 0, text.dropFirst(3).allSatisfy(\.isNumber) else {
                throw ConfigError(at: at(node), keyPath: key.path, problem: "'\(text)' is not a core (cpu0, cpu1, ...)")
            }
            return "cpu\(n)"
        }
        var entries: [ConfigEntry] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar = keyNode, case .scalar(let value) = valueNode else {
                throw ConfigError(at: at(keyNode), keyPath: key.path, problem: "expected single values on both sides of each entry")
            }
            let entry: ConfigEntry
            if case .threadPlacement = key.type {
                let text = keyNode.scalar!.string.trimmingSpaces
                guard let thread = UInt32(text.replacingUnderscores) else {
                    throw ConfigError(at: at(keyNode), keyPath: key.path, problem: "'\(text)' is not a thread id (Valgrind's: 1, 2, ...)")
                }
                entry = ConfigEntry(key: String(thread), value: try core(valueNode), origin: at(valueNode))
            } else {
                let path = value.string.trimmingSpaces
                guard !path.isEmpty else { throw ConfigError(at: at(valueNode), keyPath: key.path, problem: "missing trace file") }
                let resolved = path.hasPrefix("/") || directory == nil ? path : directory! + "/" + path
                entry = ConfigEntry(key: try core(keyNode), value: resolved, origin: at(valueNode))
            }
            guard !entries.contains(where: { $0.key == entry.key }) else {
                throw ConfigError(at: at(keyNode), keyPath: key.path, problem: "\(entry.key) given twice")
            }
            entries.append(entry)
        }
        return .entries(entries)
    }

    /// Prints a value in the canonical form of its type.
    public static func format(_ value: ConfigValue, as type: ValueType) -> String {
        switch (value, type) {
        case (.integer(let v), _): String(v)
        case (.real(let v), _): String(v)
        case (.quantity(let v), .bytes): Units.formatBytes(v)
        case (.quantity(let v), .duration): Units.formatDuration(v)
        case (.quantity(let v), .frequency): Units.formatFrequency(v)
        case (.quantity(let v), .bandwidth): Units.formatBandwidth(v)
        case (.quantity(let v), _): String(v)
        case (.string(let s), _): s
        case (.boolean(let b), _): b ? "true" : "false"
        case (.entries(let entries), _):
            "{" + entries.map { "\($0.key): \(flowScalar($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    /// `text` as a scalar inside a YAML flow mapping: plain if it can be, else double-quoted.
    private static func flowScalar(_ text: String) -> String {
        let plain = !text.isEmpty && !text.contains(where: { ":#{}[],&*!|>'\"%@`\\".contains($0) || $0 == " " })
        return plain ? text : "\"" + text.replacingOccurrences("\\", "\\\\").replacingOccurrences("\"", "\\\"") + "\""
    }

    private func rangeText(_ range: ClosedRange<Int64>) -> String {
        range.upperBound == Int64.max ? "\(range.lowerBound) or more" : "\(range.lowerBound)...\(range.upperBound)"
    }

    private func origin(_ node: Node, _ file: String) -> Origin {
        Origin(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }

    private func kind(_ node: Node) -> String {
        switch node {
        case .scalar: "single value"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }

    static func syntaxError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) " } ?? ""
            return ConfigError(file: file, line: mark.line, column: mark.column, keyPath: "",
                               problem: "YAML syntax error: \(detail)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(file: file, line: context.mark.line, column: context.mark.column, keyPath: "",
                               problem: "duplicate key(s) \(duplicates.joined(separator: ", "))")
        case .reader(let problem, let offset, _, _):
            return ConfigError(file: file, line: 1, column: 1, keyPath: "",
                               problem: "cannot read YAML: \(problem)\(offset.map { " at byte \($0)" } ?? "")")
        default:
            return ConfigError(file: file, line: 1, column: 1, keyPath: "", problem: "YAML error: \(error)")
        }
    }
}
