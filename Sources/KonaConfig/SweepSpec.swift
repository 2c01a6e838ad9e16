#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Yams

/// A design-space sweep read from YAML: a base config, axes of values for config keys,
/// how to combine them, which metrics to collect and how many seeds per point.
///
/// ```yaml
/// base: ../default.yaml            # a path (relative to this file) or an inline mapping
/// sweep:
///   core.l1d.size: [16KiB, 32KiB, 64KiB]
///   memory.latency: {from: 50ns, to: 150ns, step: 50ns}
///   workload.footprint: {from: 1MiB, to: 16MiB, factor: 4}
///   core.l2.ways: {values: [4, 8]}
/// mode: product                    # or zip (all axes the same length)
/// groups: [[core.l1d.size, core.l2.size]]   # product mode: these axes zip, the rest multiply
/// metrics: [amat_ns, sim.time_ns]
/// repeat: 2                        # seeds per point: seed, seed + 1, ...
/// ```
/// Every value keeps the line and column it came from, so a point whose config is bad is
/// reported at the sweep file's line, with the axis named.
public struct SweepSpec {
    /// One axis: a config key and its values, each with where it was written.
    public struct Axis: Sendable {
        public var key: String
        public var values: [(text: String, origin: Origin)]
    }

    /// One point to run: an assignment per axis and a repeat number.
    public struct Point: Sendable {
        public var index: Int
        public var assignments: [(key: String, text: String, origin: Origin)]
        public var repeatIndex: Int
    }

    /// How axes combine.
    public enum Mode: String, Sendable { case product, zip }

    public let file: String
    public let axes: [Axis]
    public let mode: Mode
    /// Axes zipped together inside a product (by axis index); other axes multiply alone.
    public let groups: [[Int]]
    public let metrics: [String]
    public let repeats: Int
    private let baseNode: Node?
    private let basePath: String?
    private let directory: String

    /// At most this many points (a typo in a range should not start a million runs).
    public static let maximumPoints = 100_000

    /// Reads and checks the sweep file at `path` (every point's config included).
    public init(path: String, loader: ConfigLoader = KonaSchema.loader) throws(ConfigError) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: 0, column: 0, keyPath: "", problem: "cannot read sweep file")
        }
        try self.init(text: text, name: path, directory: URL(fileURLWithPath: path).deletingLastPathComponent().path, loader: loader)
    }

    /// Reads and checks sweep YAML `text` named `name`.
    public init(text: String, name: String, directory: String, loader: ConfigLoader = KonaSchema.loader) throws(ConfigError) {
        file = name
        self.directory = directory
        func at(_ node: Node) -> Origin { Origin(file: name, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0) }
        let root: Node?
        do { root = try YAMLDocument.compose(text) } catch let error as YamlError {
            throw ConfigLoader.syntaxError(error, file: name)
        } catch {
            throw ConfigError(file: name, line: 1, column: 1, keyPath: "", problem: "YAML error: \(error)")
        }
        guard let root, case .mapping(let top) = root else {
            throw ConfigError(file: name, line: 1, column: 1, keyPath: "", problem: "a sweep file must be a mapping with base: and sweep:")
        }
        var baseNode: Node?, basePath: String?, axes: [Axis] = [], mode = Mode.product, metrics = ["amat_ns", "sim.time_ns"], repeats = 1
        var modeNode: Node?
        var groupsNode: Node?
        for (keyNode, value) in top {
            let key = keyNode.string ?? ""
            switch key {
            case "base":
                if case .scalar(let s) = value {
                    basePath = s.string.hasPrefix("/") ? s.string : directory + "/" + s.string
                    guard FileManager.default.fileExists(atPath: basePath!) else {
                        throw ConfigError(at: at(value), keyPath: "base", problem: "no such config '\(basePath!)'")
                    }
                } else if case .mapping = value {
                    baseNode = value
                } else {
                    throw ConfigError(at: at(value), keyPath: "base", problem: "expected a config path or an inline config mapping")
                }
            case "sweep":
                guard case .mapping(let axesNode) = value, !axesNode.isEmpty else {
                    throw ConfigError(at: at(value), keyPath: "sweep", problem: "expected a mapping of config keys to values")
                }
                for (axisKey, axisValue) in axesNode {
                    let path = axisKey.string ?? ""
                    guard let declared = loader.schema.key(path) else {
                        var problem = "unknown config key"
                        if let s = loader.schema.suggestion(for: path) { problem += "; did you mean '\(s)'?" }
                        throw ConfigError(at: at(axisKey), keyPath: "sweep." + path, problem: problem)
                    }
                    axes.append(Axis(key: path, values: try Self.values(of: axisValue, for: declared, file: name, loader: loader)))
                }
            case "mode":
                guard let m = value.string.flatMap(Mode.init(rawValue:)) else {
                    throw ConfigError(at: at(value), keyPath: "mode", problem: "expected product or zip")
                }
                mode = m
                modeNode = value
            case "groups":
                groupsNode = value
            case "metrics":
                guard case .sequence(let seq) = value, !seq.isEmpty, seq.allSatisfy({ $0.string != nil }) else {
                    throw ConfigError(at: at(value), keyPath: "metrics", problem: "expected a list of statistic names")
                }
                metrics = seq.map { $0.string! }
            case "repeat":
                guard let n = value.string.flatMap(Int.init), n >= 1, n <= 1000 else {
                    throw ConfigError(at: at(value), keyPath: "repeat", problem: "expected a number of seeds per point, 1...1000")
                }
                repeats = n
            default:
                let known = ["base", "sweep", "mode", "groups", "metrics", "repeat"]
                let close = known.min { editDistance($0, key) < editDistance($1, key) }!
                throw ConfigError(at: at(keyNode), keyPath: key, problem: "unknown sweep key; did you mean '\(close)'?")
            }
        }
        guard baseNode != nil || basePath != nil else {
            throw ConfigError(file: name, line: 1, column: 1, keyPath: "base", problem: "missing base: (a config path or an inline config)")
        }
        guard !axes.isEmpty else { throw ConfigError(file: name, line: 1, column: 1, keyPath: "sweep", problem: "missing sweep: axes") }
        if mode == .zip, Set(axes.map(\.values.count)).count > 1 {
            throw ConfigError(at: at(modeNode!), keyPath: "mode",
                              problem: "zip needs axes of one length; they have " + axes.map { "\($0.key): \($0.values.count)" }.joined(separator: ", "))
        }
        var groups: [[Int]] = []
        if let groupsNode {
            guard mode == .product, case .sequence(let list) = groupsNode else {
                throw ConfigError(at: at(groupsNode), keyPath: "groups", problem: "expected a list of lists of axis keys, with mode: product")
            }
            var used: Set<Int> = []
            for group in list {
                guard case .sequence(let keys) = group, keys.count >= 2 else {
                    throw ConfigError(at: at(group), keyPath: "groups", problem: "a group is a list of two or more axis keys")
                }
                var members: [Int] = []
                for keyNode in keys {
                    guard let key = keyNode.string, let i = axes.firstIndex(where: { $0.key == key }) else {
                        throw ConfigError(at: at(keyNode), keyPath: "groups", problem: "'\(keyNode.string ?? "")' is not an axis of this sweep")
                    }
                    guard used.insert(i).inserted else {
                        throw ConfigError(at: at(keyNode), keyPath: "groups", problem: "axis \(key) is in two groups")
                    }
                    members.append(i)
                }
                guard Set(members.map { axes[$0].values.count }).count == 1 else {
                    throw ConfigError(at: at(group), keyPath: "groups",
                                      problem: "zipped axes need one length; they have " + members.map { "\(axes[$0].key): \(axes[$0].values.count)" }.joined(separator: ", "))
                }
                groups.append(members)
            }
        }
        self.groups = groups
        self.baseNode = baseNode
        self.basePath = basePath
        self.axes = axes
        self.mode = mode
        self.metrics = metrics
        self.repeats = repeats
        // Counted before any point is made: a product of long axes can be far beyond memory.
        // Each factor is at most maximumPoints + 1 values, so the product cannot overflow.
        var count = repeats
        for unit in units() {
            count *= axes[unit[0]].values.count
            guard count <= Self.maximumPoints else {
                let sizes = axes.map { "\($0.key): \($0.values.count)" }.joined(separator: " x ")
                throw ConfigError(file: name, line: 1, column: 1, keyPath: "sweep",
                                  problem: "more than \(Self.maximumPoints) points (\(sizes)\(repeats > 1 ? " x repeat \(repeats)" : ""))")
            }
        }
        for point in points() { _ = try config(for: point, loader: loader) }
    }

    /// The values an axis node describes: a list, `{values: [...]}`, `{from, to, step}` or `{from, to, factor}`.
    static func values(of node: Node, for key: ConfigKey, file: String, loader: ConfigLoader) throws(ConfigError) -> [(text: String, origin: Origin)] {
        func at(_ n: Node) -> Origin { Origin(file: file, line: n.mark?.line ?? 0, column: n.mark?.column ?? 0) }
        func fail(_ n: Node, _ problem: String) -> ConfigError { ConfigError(at: at(n), keyPath: "sweep." + key.path, problem: problem) }
        switch node {
        case .sequence(let seq):
            guard !seq.isEmpty else { throw fail(node, "an axis needs at least one value") }
            var out: [(text: String, origin: Origin)] = []
            for item in seq {
                if case .distribution(let range) = key.type, case .mapping = item {
                    switch CountDistribution.parse(item, in: range) {          // {uniform: [a, b]}
                    case .success(let d): out.append((d.text, at(item)))
                    case .failure(let problem): throw fail(item, problem.message)
                    }
                    continue
                }
                guard let text = item.string else { throw fail(item, "expected a single value") }
                out.append((text, at(item)))
            }
            return out
        case .mapping(let m):
            var fields: [String: Node] = [:]
            for (k, v) in m { fields[k.string ?? ""] = v }
            if let values = fields["values"] {
                guard fields.count == 1 else { throw fail(node, "values: stands alone") }
                return try Self.values(of: values, for: key, file: file, loader: loader)
            }
            guard let fromNode = fields["from"], let toNode = fields["to"],
                  fields.count == 3, fields["step"] != nil || fields["factor"] != nil else {
                throw fail(node, "expected a list, {values: [...]}, {from, to, step} or {from, to, factor}")
            }
            func number(_ n: Node) throws(ConfigError) -> Double {
                guard let text = n.string else { throw fail(n, "expected a value") }
                switch key.type {
                case .integer, .real, .distribution:
                    guard let v = Double(text) else { throw fail(n, "expected a number, got '\(text)'") }
                    return v
                case .bytes, .duration, .frequency, .bandwidth:
                    guard case .quantity(let q) = try loader.parse(text, for: key, at: at(n), directory: nil) else { return 0 }
                    return Double(q)
                default:
                    throw fail(n, "\(key.path) is \(key.type.name): list its values instead of a range")
                }
            }
            let from = try number(fromNode), to = try number(toNode)
            var raw: [Double] = []
            if let stepNode = fields["step"] {
                let step = try number(stepNode)
                guard step > 0, to >= from else { throw fail(stepNode, "step must be positive and to >= from") }
                var v = from
                while v <= to * (1 + 1e-12) && raw.count <= maximumPoints { raw.append(v); v += step }
            } else {
                let factorNode = fields["factor"]!
                guard let factor = factorNode.string.flatMap(Double.init), factor > 1 else { throw fail(factorNode, "factor must be a number above 1") }
                guard from > 0, to >= from else { throw fail(node, "a log range needs 0 < from <= to") }
                var v = from
                while v <= to * (1 + 1e-12) && raw.count <= maximumPoints { raw.append(v); v *= factor }
            }
            guard raw.count <= maximumPoints else { throw fail(node, "more than \(maximumPoints) values") }
            var out: [(text: String, origin: Origin)] = []
            for v in raw {
                let text: String? = switch key.type {
                case .integer, .distribution: Int64(exactly: v.rounded()).map { String($0) }
                case .real: String(v)
                default: UInt64(exactly: v.rounded()).map { ConfigLoader.format(.quantity($0), as: key.type) }
                }
                guard let text else { throw fail(node, "the range reaches \(v), beyond what \(key.path) can hold") }
                out.append((text, at(node)))
            }
            return out
        default:
            guard let text = node.string else { throw fail(node, "expected values") }
            return [(text, at(node))]
        }
    }

    /// The axes that vary together, in the order their first axis appears: all of them for
    /// zip; for a product, each group of zipped axes and each other axis alone. The points
    /// are the product of the units' lengths.
    private func units() -> [[Int]] {
        if mode == .zip { return [Array(axes.indices)] }
        var units: [[Int]] = []
        for i in axes.indices where !units.contains(where: { $0.contains(i) }) {
            units.append(groups.first { $0.contains(i) } ?? [i])
        }
        return units
    }

    /// Value indices per axis for every combination: the product over `units()`.
    /// - Complexity: O(points x axes) time and memory; `init` bounds the points first.
    private func combinations() -> [[Int]] {
        var combos: [[Int]] = [[Int](repeating: 0, count: axes.count)]
        for unit in units() {
            combos = combos.flatMap { c in
                axes[unit[0]].values.indices.map { v in
                    var next = c
                    for axis in unit { next[axis] = v }
                    return next
                }
            }
        }
        return combos
    }

    /// Every point, in order: the first axis (or group) varies slowest; repeats are innermost.
    public func points() -> [Point] {
        let combos = combinations()
        var out: [Point] = []
        for combo in combos {
            for r in 0..<repeats {
                out.append(Point(index: out.count,
                                 assignments: zip(axes, combo).map { axis, i in (axis.key, axis.values[i].text, axis.values[i].origin) },
                                 repeatIndex: r))
            }
        }
        return out
    }

    /// The resolved config of `point`: the base, the point's assignments, and the seed plus
    /// the repeat number. Errors are at the sweep file's line for the assignment.
    public func config(for point: Point, loader: ConfigLoader = KonaSchema.loader) throws(ConfigError) -> ResolvedConfig {
        var config: ResolvedConfig
        if let basePath {
            config = try loader.load(path: basePath)
        } else {
            config = try loader.defaults()
            try loader.apply(root: baseNode!, name: file, directory: directory, to: &config)
        }
        for a in point.assignments {
            try loader.set(a.key, text: a.text, at: a.origin, directory: directory, in: &config)
        }
        if point.repeatIndex > 0 {
            let seed = config.integer("seed") &+ Int64(point.repeatIndex)
            try loader.set("seed", text: String(seed), at: Origin(file: file, line: 0, column: 0), directory: nil, in: &config)
        }
        do {
            _ = try SimulationConfig(config)
        } catch {
            var e = error
            if let a = point.assignments.first(where: { $0.origin == error.origin }) ?? point.assignments.first(where: { $0.key == error.keyPath }) {
                e.problem += " (axis \(a.key) = \(a.text))"
            }
            throw e
        }
        return config
    }
}

extension ConfigError {
    /// Where the error is.
    public var origin: Origin { Origin(file: file, line: line, column: column) }
}
