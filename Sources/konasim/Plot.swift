import ArgumentParser
import Foundation
import KonaSweeps
import KonaOutputs

extension KonaSimCommand {
    /// `konasim plot`: an SVG line chart of sweep results.
    struct Plot: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plot",
            abstract: "Draw sweep results as an SVG line chart (one line per --group value; repeats averaged).")

        @Argument(help: "Results file (.csv or .jsonl) from `konasim sweep`.") var results: String
        @Option(help: "Column for the x axis (an axis key).") var x: String
        @Option(help: "Column for the y axis (a metric).") var y: String
        @Option(help: "Column whose values make separate lines.") var group: String?
        @Flag(help: "Logarithmic x axis.") var logX = false
        @Flag(help: "Logarithmic y axis (for values spanning magnitudes).") var logY = false
        @Option(name: .shortAndLong, help: ArgumentHelp("SVG file to write.", valueName: "file")) var output: String = "plot.svg"

        func run() throws {
            let rows = try Self.readRows(results)
            let plot: SVGPlot
            do {
                plot = try SVGPlot(rows: rows, x: x, y: y, group: group, logX: logX, logY: logY)
            } catch {
                throw InputError(message: "\(results): \(error)")
            }
            try writeFile(output, plot.render())
            print("wrote \(output): \(plot.series.count) series, \(plot.series.reduce(0) { $0 + $1.points.count }) points")
        }

        /// Rows of a results file as column -> text.
        static func readRows(_ path: String) throws -> [[String: String]] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw InputError(message: "cannot read \(path)") }
            let lines = text.split(separator: "\n").map(String.init)
            if path.hasSuffix(".jsonl") {
                return try lines.map { line in
                    Dictionary(try ResultsFile.parseFlatJSON(line).map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
                }
            }
            guard let header = lines.first else { return [] }
            let columns = csvFields(header)
            return lines.dropFirst().map { line in
                Dictionary(zip(columns, csvFields(line)).map { ($0, $1) }, uniquingKeysWith: { a, _ in a })
            }
        }

        static func csvFields(_ line: String) -> [String] {
            var fields: [String] = [], field = "", quoted = false
            var chars = line[...]
            while let c = chars.first {
                chars.removeFirst()
                if quoted {
                    if c == "\"" {
                        if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                    } else {
                        field.append(c)
                    }
                } else if c == "\"" {
                    quoted = true
                } else if c == "," {
                    fields.append(field); field = ""
                } else {
                    field.append(c)
                }
            }
            fields.append(field)
            return fields
        }
    }
}
