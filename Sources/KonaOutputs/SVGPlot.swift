import Foundation
import KonaConfig


/// A line chart of sweep results as a standalone SVG: one series per value of the group
/// column, the mean of repeated points, axes with ticks and labels, and a legend.
public struct SVGPlot {
    /// One series: its label and (x, y) points sorted by x.
    public struct Series {
        public var label: String
        public var points: [(x: Double, y: Double)]
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX: Bool
    /// A logarithmic y axis (ticks at powers of ten), for values spanning magnitudes.
    public var logY: Bool
    public var series: [Series]
    /// Tick labels for x positions (the original texts, such as `32KiB`).
    public var xTicks: [(x: Double, label: String)]

    /// Builds the plot of `y` against `x` from `rows` (column name to text), grouped by
    /// `group` if given. Values with units (`32KiB`, `70ns`, `2.4GHz`, `100Gbps`) are read
    /// as numbers in their base unit.
    /// - Throws: `PlotError` for a missing column or a value that is not a number.
    public init(rows: [[String: String]], x: String, y: String, group: String?, logX: Bool, logY: Bool = false) throws {
        guard let first = rows.first else { throw PlotError(message: "no rows to plot") }
        for column in [x, y] + (group.map { [$0] } ?? []) where first[column] == nil {
            throw PlotError(message: "no column '\(column)'; columns are " + first.keys.sorted().joined(separator: ", "))
        }
        var sums: [String: [Double: (sum: Double, n: Int)]] = [:]
        var groupOrder: [String] = []
        var ticks: [Double: String] = [:]
        for row in rows {
            let xText = row[x]!, yText = row[y]!
            guard let xv = Self.number(xText) else { throw PlotError(message: "\(x) value '\(xText)' is not a number") }
            guard let yv = Double(yText) else { throw PlotError(message: "\(y) value '\(yText)' is not a number") }
            if logX && xv <= 0 { throw PlotError(message: "--log-x needs positive \(x) values, got '\(xText)'") }
            if logY && yv <= 0 { throw PlotError(message: "--log-y needs positive \(y) values, got '\(yText)'") }
            let g = group.map { row[$0] ?? "" } ?? y
            if sums[g] == nil { groupOrder.append(g); sums[g] = [:] }
            let old = sums[g]![xv] ?? (0, 0)
            sums[g]![xv] = (old.sum + yv, old.n + 1)
            ticks[xv] = xText
        }
        title = y + " vs " + x + (group.map { " by " + $0 } ?? "")
        xLabel = x
        yLabel = y
        self.logX = logX
        self.logY = logY
        let orderedGroups = groupOrder.sorted { (Self.number($0) ?? .infinity, $0) < (Self.number($1) ?? .infinity, $1) }
        series = orderedGroups.map { g in
            Series(label: group.map { "\($0) = \(g)" } ?? g,
                   points: sums[g]!.keys.sorted().map { ($0, sums[g]![$0]!.sum / Double(sums[g]![$0]!.n)) })
        }
        xTicks = ticks.keys.sorted().map { ($0, ticks[$0]!) }
    }

    /// A number, or a quantity with a unit in its base unit.
    static func number(_ text: String) -> Double? {
        if let d = Double(text) { return d }
        if let v = try? Units.bytes(text) { return Double(v) }
        if let v = try? Units.duration(text) { return Double(v) }
        if let v = try? Units.frequency(text) { return Double(v) }
        if let v = try? Units.bandwidth(text) { return Double(v) }
        return nil
    }

    /// Round tick values from at or below `low` to at or above `high` (about five).
    static func niceTicks(_ low: Double, _ high: Double) -> [Double] {
        let span = max(high - low, abs(high) * 1e-9, 1e-12)
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? magnitude * 10
        var t = floor(low / step) * step
        var ticks = [t]
        while t < high - step * 1e-9 {        // the last tick is at or above `high`
            t += step
            ticks.append(t)
        }
        return ticks
    }

    /// The series colours, in order (the bar chart uses them too).
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        let text = String(format: "%.4g", v)
        return text
    }

    /// The SVG document.
    public func render(width: Double = 900, height: Double = 560) -> String {
        let left = 90.0, right = 230.0, top = 50.0, bottom = 70.0
        let plotW = width - left - right, plotH = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let fx: (Double) -> Double = logX ? { log10($0) } : { $0 }
        var xLow = fx(xs.min() ?? 0), xHigh = fx(xs.max() ?? 1)
        if xHigh == xLow { xLow -= 1; xHigh += 1 }
        let fy: (Double) -> Double = logY ? { log10($0) } : { $0 }
        let yTicks: [Double]
        if logY {
            let low = floor(log10(ys.min() ?? 1)), high = max(ceil(log10(ys.max() ?? 10)), low + 1)
            yTicks = stride(from: low, through: high, by: 1).map { pow(10, $0) }
        } else {
            yTicks = Self.niceTicks(min(0, ys.min() ?? 0), ys.max() ?? 1)
        }
        let yLow = fy(yTicks.first!), yHigh = max(fy(yTicks.last!), yLow + 1e-12)
        func px(_ x: Double) -> Double { left + (fx(x) - xLow) / (xHigh - xLow) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (fy(y) - yLow) / (yHigh - yLow) * plotH }
        let palette = Self.palette
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        var svg = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="13">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left + plotW / 2))" y="28" text-anchor="middle" font-size="16">\(Self.escape(title))</text>

        """
        // Axes and grid
        svg += "<g class=\"axes\" stroke=\"#333\">\n"
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\"/>\n"
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\"/>\n</g>\n"
        svg += "<g class=\"yticks\" font-size=\"12\">\n"
        for t in yTicks {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(t)))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Self.label(t))</text>\n"
        }
        svg += "</g>\n<g class=\"xticks\" font-size=\"12\">\n"
        for (x, text) in xTicks {
            svg += "<line x1=\"\(f(px(x)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(px(x)))\" y2=\"\(f(top + plotH + 5))\" stroke=\"#333\"/>"
            svg += "<text x=\"\(f(px(x)))\" y=\"\(f(top + plotH + 20))\" text-anchor=\"middle\">\(Self.escape(text))</text>\n"
        }
        svg += "</g>\n"
        svg += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 20))\" text-anchor=\"middle\">\(Self.escape(xLabel + (logX ? " (log scale)" : "")))</text>\n"
        svg += "<text x=\"22\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 22 \(f(top + plotH / 2)))\">\(Self.escape(yLabel + (logY ? " (log scale)" : "")))</text>\n"
        // Series
        for (i, s) in series.enumerated() {
            let color = palette[i % palette.count]
            let points = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            svg += "<g class=\"series\" data-label=\"\(Self.escape(s.label))\">\n"
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            for p in s.points {
                svg += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.5\" fill=\"\(color)\"><title>\(Self.escape(s.label)): \(Self.label(p.y))</title></circle>\n"
            }
            svg += "</g>\n"
        }
        // Legend
        svg += "<g class=\"legend\" font-size=\"12\">\n"
        for (i, s) in series.enumerated() {
            let y = top + 10 + Double(i) * 20
            svg += "<line x1=\"\(f(left + plotW + 20))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW + 44))\" y2=\"\(f(y))\" stroke=\"\(palette[i % palette.count])\" stroke-width=\"3\"/>"
            svg += "<text x=\"\(f(left + plotW + 50))\" y=\"\(f(y + 4))\">\(Self.escape(s.label))</text>\n"
        }
        svg += "</g>\n</svg>\n"
        return svg
    }
}
