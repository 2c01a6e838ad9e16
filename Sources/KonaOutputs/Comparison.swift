import Foundation

/// The results of `konasim compare`: the same workload run on several systems (at one or
/// more thread counts), as one table of metrics with each figure's ratio to the first system.
///
/// Every metric is read from a run's statistics by name, the same names for the Kona model
/// and the paging model (`amat_ns`, `net.*`, `tracker.*`); where the two mechanisms differ
/// (blocks FMem fetched or pages read, write-protect faults), the metric says which
/// statistic it reads for each.
public struct Comparison {
    /// One figure of the table.
    public struct Metric: Sendable {
        /// A short key (CSV and JSON), the row's label, and its unit.
        public var key: String
        public var label: String
        public var unit: String
        /// Its name on the plot, if the plot shows its ratios.
        public var plotLabel: String?
        /// The figure from a run's statistics; nil when the run lacks them.
        public var value: @Sendable ([String: Double]) -> Double?
    }

    /// One run: a system at a thread count, with its statistics (nil if the run failed).
    public struct Run {
        public var system: String
        public var threads: Int
        public var stats: [String: Double]?
        public init(system: String, threads: Int, stats: [String: Double]?) {
            self.system = system
            self.threads = threads
            self.stats = stats
        }
    }

    /// The metrics, in table order.
    public static let metrics: [Metric] = [
        Metric(key: "time_ms", label: "execution time (simulated)", unit: "ms", plotLabel: "execution time") { $0["sim.execution_time_ns"].map { $0 / 1e6 } },
        Metric(key: "amat_ns", label: "AMAT", unit: "ns", plotLabel: "AMAT") { $0["amat_ns"] },
        Metric(key: "remote_mean_ns", label: "remote access latency, mean", unit: "ns", plotLabel: nil) { $0["amat.remote_ns"] },
        Metric(key: "remote_p99_ns", label: "remote access latency, p99", unit: "ns", plotLabel: "remote p99") { $0["amat.remote_latency_ns.p99"] },
        Metric(key: "blocks_in", label: "blocks / pages brought in", unit: "", plotLabel: nil) { $0["fpga.fetches"] ?? $0["paging.page_ins"] },
        Metric(key: "wp_faults", label: "write-protect faults", unit: "", plotLabel: nil) { $0["paging.wp_faults"] ?? ($0["amat_ns"] == nil ? nil : 0) },
        Metric(key: "wp_fault_time_us", label: "write-protect fault time (cores)", unit: "us", plotLabel: nil) {
            $0["paging.wp_fault_time_ns"].map { $0 / 1000 } ?? ($0["amat_ns"] == nil || $0["paging.wp_faults"] != nil ? nil : 0)
        },
        Metric(key: "amplification_64B", label: "dirty amplification, 64 B tracker", unit: "x", plotLabel: nil) { $0["tracker.amplification.64B"] },
        Metric(key: "amplification_4KiB", label: "dirty amplification, 4 KiB tracker", unit: "x", plotLabel: nil) { $0["tracker.amplification.4KiB"] },
        Metric(key: "amplification_2MiB", label: "dirty amplification, 2 MiB tracker", unit: "x", plotLabel: nil) { $0["tracker.amplification.2MiB"] },
        Metric(key: "goodput", label: "eviction goodput (modified / sent)", unit: "", plotLabel: "eviction goodput") { $0["net.goodput"] },
        Metric(key: "net_read_MiB", label: "network bytes read", unit: "MiB", plotLabel: "bytes read") { $0["net.bytes_read"].map { $0 / 1_048_576 } },
        Metric(key: "net_written_MiB", label: "network bytes written", unit: "MiB", plotLabel: "bytes written") { $0["net.bytes_written"].map { $0 / 1_048_576 } },
    ]

    public var runs: [Run]
    /// The systems in order (the first is the reference of the ratios) and the thread counts.
    public var systems: [String]
    public var threads: [Int]

    public init(systems: [String], threads: [Int], runs: [Run]) {
        self.systems = systems
        self.threads = threads
        self.runs = runs
    }

    /// The value of `metric` for `system` at `threads`, if its run succeeded.
    public func value(_ metric: Metric, _ system: String, _ threads: Int) -> Double? {
        runs.first { $0.system == system && $0.threads == threads }?.stats.flatMap(metric.value)
    }

    /// `value` over the first system's value at the same thread count (nil without both, or
    /// when the reference is 0).
    public func ratio(_ metric: Metric, _ system: String, _ threads: Int) -> Double? {
        guard let v = value(metric, system, threads), let first = value(metric, systems[0], threads), first != 0 else { return nil }
        return v / first
    }

    // MARK: Rendering

    static func number(_ v: Double?) -> String {
        guard let v else { return "-" }
        if v == v.rounded() && abs(v) < 1e12 { return Summary.grouped(UInt64(max(0, v))) }
        if abs(v) >= 100 { return String(format: "%.1f", v) }
        return String(format: "%.3f", v)
    }

    static func ratioText(_ r: Double?) -> String { r.map { String(format: "%.2fx", $0) } ?? "-" }

    /// One aligned text table per thread count: a row per metric, a column per system with
    /// its value and its ratio to the first system.
    public func table() -> String {
        var out = ""
        for t in threads {
            out += "\(t) thread\(t == 1 ? "" : "s")\n"
            var rows = [["metric"] + systems]
            for m in Self.metrics {
                rows.append([m.label + (m.unit.isEmpty ? "" : " (\(m.unit))")]
                            + systems.map { s in
                                let v = value(m, s, t)
                                return s == systems[0] || v == nil ? Self.number(v) : "\(Self.number(v)) (\(Self.ratioText(ratio(m, s, t))))"
                            })
            }
            let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! }
            for row in rows {
                out += row.enumerated().map { c, text in
                    c == 0 ? text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[c] - text.count) + text
                }.joined(separator: "  ") + "\n"
            }
            out += "\n"
        }
        return out
    }

    /// The same tables in Markdown.
    public func markdown() -> String {
        var out = ""
        for t in threads {
            out += "**\(t) thread\(t == 1 ? "" : "s")** (ratio to \(systems[0]) in parentheses)\n\n"
            out += "| metric | " + systems.joined(separator: " | ") + " |\n"
            out += "|---|" + systems.map { _ in "---:|" }.joined() + "\n"
            for m in Self.metrics {
                out += "| \(m.label)\(m.unit.isEmpty ? "" : " (\(m.unit))") | "
                out += systems.map { s in
                    let v = value(m, s, t)
                    return s == systems[0] || v == nil ? Self.number(v) : "\(Self.number(v)) (\(Self.ratioText(ratio(m, s, t))))"
                }.joined(separator: " | ") + " |\n"
            }
            out += "\n"
        }
        return out
    }

    /// One row per (threads, system, metric): `threads,system,metric,value,ratio`.
    public func csv() -> String {
        var out = "threads,system,metric,value,ratio\n"
        for t in threads {
            for s in systems {
                for m in Self.metrics {
                    out += "\(t),\(s),\(m.key),\(value(m, s, t).map { "\($0)" } ?? ""),\(ratio(m, s, t).map { "\($0)" } ?? "")\n"
                }
            }
        }
        return out
    }

    /// A JSON array of runs, each with its system, threads, and every metric's value and ratio.
    public func json() -> String {
        var items: [String] = []
        for t in threads {
            for s in systems {
                let fields = Self.metrics.map { m in
                    "\"\(m.key)\": " + (value(m, s, t).map { "\($0)" } ?? "null") + ", \"\(m.key)_ratio\": " + (ratio(m, s, t).map { "\($0)" } ?? "null")
                }
                items.append("{\"system\": \"\(s)\", \"threads\": \(t), " + fields.joined(separator: ", ") + "}")
            }
        }
        return "[\n" + items.map { "  " + $0 }.joined(separator: ",\n") + "\n]\n"
    }

    /// A bar chart of the plotted metrics' ratios to the first system, grouped by metric (and
    /// thread count), a bar per system.
    public func chart() -> SVGBarChart {
        var groups: [SVGBarChart.Group] = []
        for m in Self.metrics {
            guard let name = m.plotLabel else { continue }
            for t in threads {
                let label = threads.count == 1 ? name : "\(name), \(t) thread\(t == 1 ? "" : "s")"
                groups.append(SVGBarChart.Group(label: label, values: systems.map { ratio(m, $0, t) }))
            }
        }
        return SVGBarChart(title: "Each system's figures over \(systems[0])'s (log scale)", yLabel: "ratio to \(systems[0])",
                           series: systems, groups: groups)
    }
}
