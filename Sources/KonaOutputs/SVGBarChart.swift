import Foundation

/// A grouped bar chart of ratios as a standalone SVG: a group of bars per label, a bar per
/// series (a missing value leaves a gap), a logarithmic y axis around 1, and a legend.
public struct SVGBarChart {
    /// One group of bars.
    public struct Group {
        public var label: String
        /// A value per series, in series order (nil: no bar).
        public var values: [Double?]
        public init(label: String, values: [Double?]) {
            self.label = label
            self.values = values
        }
    }

    public var title: String
    public var yLabel: String
    public var series: [String]
    public var groups: [Group]

    public init(title: String, yLabel: String, series: [String], groups: [Group]) {
        self.title = title
        self.yLabel = yLabel
        self.series = series
        self.groups = groups
    }

    /// The SVG document: bars start at 1 (the reference) and go up or down on a log axis.
    public func render() -> String {
        let left = 130.0, right = 170.0, top = 50.0, bottom = 150.0
        let groupWidth = max(60.0, Double(series.count) * 16 + 20)
        let plotW = groupWidth * Double(max(groups.count, 1)), plotH = 380.0
        let width = left + plotW + right, height = top + plotH + bottom
        let values = groups.flatMap { $0.values.compactMap { $0 } }.filter { $0 > 0 }
        let low = min(floor(log10(values.min() ?? 1)), -1), high = max(ceil(log10(values.max() ?? 1)), 1)
        func py(_ v: Double) -> Double { top + plotH - (log10(v) - low) / (high - low) * plotH }
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        let palette = SVGPlot.palette
        var svg = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="13">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left + plotW / 2))" y="28" text-anchor="middle" font-size="16">\(SVGPlot.escape(title))</text>
        <g class="yticks" font-size="12">

        """
        for e in stride(from: low, through: high, by: 1) {
            let v = pow(10, e)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(py(v)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(v)))\" stroke=\"\(e == 0 ? "#333" : "#ddd")\"/>"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(py(v) + 4))\" text-anchor=\"end\">\(SVGPlot.label(v))</text>\n"
        }
        svg += "</g>\n<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" stroke=\"#333\"/>\n"
        svg += "<text x=\"22\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 22 \(f(top + plotH / 2)))\">\(SVGPlot.escape(yLabel))</text>\n"
        let barWidth = (groupWidth - 20) / Double(max(series.count, 1))
        for (s, name) in series.enumerated() {
            svg += "<g class=\"series\" data-label=\"\(SVGPlot.escape(name))\" fill=\"\(palette[s % palette.count])\">\n"
            for (g, group) in groups.enumerated() {
                guard s < group.values.count, let v = group.values[s], v > 0 else { continue }
                let x = left + Double(g) * groupWidth + 10 + Double(s) * barWidth
                let y0 = py(1), y1 = py(v)
                svg += "<rect x=\"\(f(x))\" y=\"\(f(min(y0, y1)))\" width=\"\(f(barWidth - 2))\" height=\"\(f(max(abs(y1 - y0), 1)))\">"
                svg += "<title>\(SVGPlot.escape(name)), \(SVGPlot.escape(group.label)): \(String(format: "%.3g", v))x</title></rect>\n"
            }
            svg += "</g>\n"
        }
        svg += "<g class=\"xticks\" font-size=\"11\">\n"
        for (g, group) in groups.enumerated() {
            let x = left + (Double(g) + 0.5) * groupWidth, y = top + plotH + 12
            svg += "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"end\" transform=\"rotate(-40 \(f(x)) \(f(y)))\">\(SVGPlot.escape(group.label))</text>\n"
        }
        svg += "</g>\n<g class=\"legend\" font-size=\"12\">\n"
        for (s, name) in series.enumerated() {
            let y = top + 10 + Double(s) * 20
            svg += "<rect x=\"\(f(left + plotW + 20))\" y=\"\(f(y - 8))\" width=\"18\" height=\"12\" fill=\"\(palette[s % palette.count])\"/>"
            svg += "<text x=\"\(f(left + plotW + 44))\" y=\"\(f(y + 3))\">\(SVGPlot.escape(name))</text>\n"
        }
        svg += "</g>\n</svg>\n"
        return svg
    }
}
