/// Registered statistics by dotted name, each with a one-line description and unit.
///
/// Components register the counters they own when built; reports read every statistic
/// in name order, so output never depends on registration or dictionary order.
public final class StatsRegistry {
    /// How a registered statistic is read.
    public enum Source {
        case counter(Counter)
        case average(Average, scale: Double)
        case distribution(Distribution, scale: Double)
        case formula(() -> StatValue)
    }

    /// One registered statistic.
    public struct Entry {
        public let name: String
        public let description: String
        public let unit: String
        public let source: Source
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    private func add(_ name: String, _ description: String, _ unit: String, _ source: Source) {
        precondition(entries[name] == nil, "statistic '\(name)' registered twice")
        entries[name] = Entry(name: name, description: description, unit: unit, source: source)
    }

    /// Registers and returns a new counter.
    @discardableResult
    public func counter(_ name: String, _ description: String, unit: String) -> Counter {
        let c = Counter(); add(name, description, unit, .counter(c)); return c
    }

    /// Registers and returns a new average; reported values are divided by `scale`
    /// (record picoseconds, report nanoseconds with `scale: 1000`).
    @discardableResult
    public func average(_ name: String, _ description: String, unit: String, scale: Double = 1) -> Average {
        let a = Average(); add(name, description, unit, .average(a, scale: scale)); return a
    }

    /// Registers and returns a new distribution; reported values are divided by `scale`.
    @discardableResult
    public func distribution(_ name: String, _ description: String, unit: String, scale: Double = 1) -> Distribution {
        let d = Distribution(); add(name, description, unit, .distribution(d, scale: scale)); return d
    }

    /// Registers a value computed when read (a hit rate, a utilization).
    public func formula(_ name: String, _ description: String, unit: String, _ value: @escaping () -> StatValue) {
        add(name, description, unit, .formula(value))
    }

    /// All entries, sorted by name.
    public var sortedEntries: [Entry] { entries.values.sorted { $0.name < $1.name } }

    /// The entry named `name`.
    public func entry(_ name: String) -> Entry? { entries[name] }

    /// Every reported number as `(dotted name, value)`, sorted by name. A distribution `d`
    /// yields `d.count`, `d.mean`, `d.min`, `d.max`, `d.p50`, `d.p90`, `d.p99`.
    public func flatValues() -> [(name: String, value: StatValue)] {
        var out: [(name: String, value: StatValue)] = []
        for entry in sortedEntries {
            switch entry.source {
            case .counter(let c):
                out.append((entry.name, .integer(c.value)))
            case .average(let a, let scale):
                out.append((entry.name, .real(a.mean / scale)))
            case .distribution(let d, let scale):
                out.append((entry.name + ".count", .integer(d.count)))
                out.append((entry.name + ".mean", .real(d.mean / scale)))
                out.append((entry.name + ".min", .real(Double(d.min) / scale)))
                out.append((entry.name + ".max", .real(Double(d.max) / scale)))
                for (label, p) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)] {
                    out.append((entry.name + "." + label, .real(Double(d.percentile(p)) / scale)))
                }
            case .formula(let f):
                out.append((entry.name, f()))
            }
        }
        return out.sorted { $0.name < $1.name }
    }

    /// The value of one flat name (including distribution suffixes), if present.
    public func value(_ name: String) -> StatValue? {
        flatValues().first { $0.name == name }?.value
    }
}
