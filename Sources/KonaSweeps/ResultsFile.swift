#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KonaConfig
import KonaEngine

/// A sweep's results file (CSV or JSON Lines): rows by point, appended one write each,
/// rewritten in point order at the end.
public final class ResultsFile {
    public let path: String
    /// CSV (by the `.csv` extension) or JSON Lines.
    public let csv: Bool
    public let columns: [String]
    private var rows: [Int: String] = [:]

    public init(path: String, spec: SweepSpec) {
        self.path = path
        csv = path.hasSuffix(".csv")
        columns = ["point", "repeat", "seed"] + spec.axes.map(\.key) + spec.metrics + ["version", "config_hash"]
    }

    /// Whether `point` already has a row.
    public func has(_ point: Int) -> Bool { rows[point] != nil }

    /// Starts an empty file (a CSV gets its header).
    public func reset() throws {
        rows = [:]
        try Self.writeAtomically(path, csv ? header + "\n" : "")
    }

    public var header: String { columns.map(Self.csvField).joined(separator: ",") }

    /// Reads the rows already in the file; a last line without its newline (a torn write) is dropped.
    public func loadExisting() throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return try reset() }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last?.isEmpty == true { lines.removeLast() } else if !lines.isEmpty { lines.removeLast() }
        if csv {
            guard let first = lines.first, first == header else {
                throw SweepError(message: "\(path): its header is not this sweep's (\(header)); use another file or drop --resume")
            }
            lines.removeFirst()
        }
        for line in lines {
            guard let point = Self.pointIndex(line, csv: csv) else { throw SweepError(message: "\(path): unreadable row '\(line)'") }
            rows[point] = line
        }
        try rewrite()
    }

    /// Appends the row of `point`, given as the flat JSON object `sweep-point` prints.
    public func append(point: Int, json: String) throws {
        let fields = try Self.parseFlatJSON(json)
        let line: String
        if csv {
            line = columns.map { c in Self.csvField(fields.first { $0.key == c }.map(\.value) ?? "") }
                .joined(separator: ",")
        } else {
            line = json
        }
        rows[point] = line
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { throw SweepError(message: "cannot append to \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes = Array((line + "\n").utf8)
        let written = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }   // one write: never a torn row
        guard written == bytes.count else { throw SweepError(message: "short write to \(path)") }
    }

    /// Rewrites the file with its rows in point order.
    public func finish() throws { try rewrite() }

    private func rewrite() throws {
        let body = rows.keys.sorted().map { rows[$0]! + "\n" }.joined()
        try Self.writeAtomically(path, (csv ? header + "\n" : "") + body)
    }

    // MARK: Helpers

    /// Writes `text` to `path` through a temporary file renamed into place.
    public static func writeAtomically(_ path: String, _ text: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        do {
            try text.write(toFile: temporary, atomically: false, encoding: .utf8)
            guard rename(temporary, path) == 0 else { throw SweepError(message: String(cString: strerror(errno))) }
        } catch {
            throw SweepError(message: "cannot write \(path): \(error)")
        }
    }

    /// `s` as one CSV field (quoted when it holds a comma, quote or newline).
    public static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Parses `{"k": v, ...}` with string or number values (what `sweep-point` prints).
    public static func parseFlatJSON(_ text: String) throws -> [(key: String, value: String, isString: Bool)] {
        var out: [(key: String, value: String, isString: Bool)] = []
        var chars = Array(text.unicodeScalars)[...]
        func skip() { while let c = chars.first, c == " " || c == "\t" { chars.removeFirst() } }
        func string() throws -> String {
            guard chars.first == "\"" else { throw SweepError(message: "bad result row: \(text)") }
            chars.removeFirst()
            var s = ""
            while let c = chars.first {
                chars.removeFirst()
                if c == "\"" { return s }
                if c == "\\", let e = chars.first {
                    chars.removeFirst()
                    s.unicodeScalars.append(e == "n" ? "\n" : e)
                } else {
                    s.unicodeScalars.append(c)
                }
            }
            throw SweepError(message: "bad result row: \(text)")
        }
        skip()
        guard chars.first == "{" else { throw SweepError(message: "bad result row: \(text)") }
        chars.removeFirst()
        while true {
            skip()
            if chars.first == "}" { break }
            let key = try string()
            skip()
            guard chars.first == ":" else { throw SweepError(message: "bad result row: \(text)") }
            chars.removeFirst()
            skip()
            if chars.first == "\"" {
                out.append((key, try string(), true))
            } else {
                var v = ""
                while let c = chars.first, c != ",", c != "}" { v.unicodeScalars.append(c); chars.removeFirst() }
                out.append((key, v.trimmingCharacters(in: .whitespaces), false))
            }
            skip()
            if chars.first == "," { chars.removeFirst() }
        }
        return out
    }

    /// The point index of a row (its first CSV field, or its JSON `point`), nil if unreadable.
    public static func pointIndex(_ line: String, csv: Bool) -> Int? {
        if csv { return line.split(separator: ",", maxSplits: 1).first.flatMap { Int($0) } }
        return (try? parseFlatJSON(line))?.first { $0.key == "point" }.flatMap { Int($0.value) }
    }

    /// Joins results files into `output` in point order; identical duplicate rows are kept once.
    public static func merge(_ inputs: [String], into output: String) throws {
        let csv = output.hasSuffix(".csv")
        guard csv || output.hasSuffix(".jsonl") else { throw SweepError(message: "-o must end in .csv or .jsonl") }
        var header: String?
        var rows: [Int: String] = [:]
        for input in inputs {
            guard input.hasSuffix(".csv") == csv else { throw SweepError(message: "\(input): merge files of the output's format only") }
            guard let text = try? String(contentsOfFile: input, encoding: .utf8) else { throw SweepError(message: "cannot read \(input)") }
            var lines = text.split(separator: "\n").map(String.init)
            if csv {
                guard let h = lines.first else { continue }
                if let header, header != h { throw SweepError(message: "\(input): its columns differ from \(inputs[0])'s") }
                header = h
                lines.removeFirst()
            }
            for line in lines {
                guard let p = pointIndex(line, csv: csv) else { throw SweepError(message: "\(input): unreadable row '\(line)'") }
                if let existing = rows[p], existing != line { throw SweepError(message: "point \(p) differs between inputs") }
                rows[p] = line
            }
        }
        let body = rows.keys.sorted().map { rows[$0]! + "\n" }.joined()
        try writeAtomically(output, (header.map { $0 + "\n" } ?? "") + body)
    }
}
