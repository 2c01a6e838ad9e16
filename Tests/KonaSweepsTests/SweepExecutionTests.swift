#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import KonaConfig
import KonaEngine
import KonaSweeps

/// A temporary directory holding `base.yaml` and a sweep file of six points over two axes.
func sweepFixture() throws -> (directory: String, spec: SweepSpec) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-sweeps-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try "seed: 7\n".write(toFile: dir + "/base.yaml", atomically: true, encoding: .utf8)
    let yaml = "base: base.yaml\nsweep:\n  core.l1d.ways: [4, 8]\n  memory.latency: [50ns, 70ns, 90ns]\nmetrics: [amat_ns, sim.events]\n"
    try yaml.write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
    return (dir, try SweepSpec(path: dir + "/s.yaml"))
}

/// Stands in for `konasim sweep-point`: point i "runs" as `/bin/sh` printing the row a real
/// point would (its metrics made up from i), or failing for the points in `failing`; each
/// point that runs leaves a marker file `ran-i` in `directory`.
func fakePoints(_ spec: SweepSpec, in directory: String, failing: Set<Int> = []) throws -> PointRunner {
    let points = spec.points()
    var rows: [Int: String] = [:]
    for p in points {
        let metrics: [(name: String, value: StatValue)] = [("amat_ns", .real(Double(p.index) * 1.5 + 0.25)), ("sim.events", .integer(UInt64(100 + p.index)))]
        rows[p.index] = SweepRow(point: p, seed: 7, metrics: metrics, version: "test", resolvedYAML: try spec.config(for: p).yaml()).json
    }
    return PointRunner(jobs: 2, noun: "points", logsToOutput: false, executable: "/bin/sh") { i in
        let mark = "touch '\(directory)/ran-\(i)'"
        return ["-c", failing.contains(i) ? "\(mark); echo 'point \(i) broke' >&2; exit 5" : "\(mark); printf '%s\\n' '\(rows[i]!)'"]
    }
}

func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

func pointsThatRan(in directory: String) throws -> [Int] {
    try FileManager.default.contentsOfDirectory(atPath: directory).compactMap { $0.hasPrefix("ran-") ? Int($0.dropFirst(4)) : nil }.sorted()
}

@Suite(.serialized) struct SweepExecutionTests {
    @Test(arguments: ["csv", "jsonl"])
    func mergedShardsEqualTheUnshardedResult(_ ext: String) throws {
        let (dir, spec) = try sweepFixture()
        let runner = try fakePoints(spec, in: dir)
        #expect(try SweepExecution(spec: spec, output: "\(dir)/all.\(ext)").run(with: runner).isEmpty)
        var shards: [String] = []
        for i in [2, 0, 1] {                                    // shards finish in any order
            let path = "\(dir)/shard-\(i).\(ext)"
            let execution = SweepExecution(spec: spec, output: path, shard: try SweepShard(parsing: "\(i)/3"))
            #expect(execution.points.map(\.index) == [i, i + 3])
            #expect(try execution.run(with: runner).isEmpty)
            shards.append(path)
        }
        try ResultsFile.merge(shards, into: "\(dir)/merged.\(ext)")
        let all = try read("\(dir)/all.\(ext)")
        #expect(try read("\(dir)/merged.\(ext)") == all)
        #expect(all.split(separator: "\n").count == (ext == "csv" ? 7 : 6))
        // A shard merged twice (a retried array task) changes nothing.
        try ResultsFile.merge(shards + [shards[0]], into: "\(dir)/again.\(ext)")
        #expect(try read("\(dir)/again.\(ext)") == all)
    }

    @Test func resumeAfterAKilledRunKeepsItsRowsAndRunsOnlyTheMissingPoints() throws {
        let (dir, spec) = try sweepFixture()
        let marks = dir + "/marks"
        try FileManager.default.createDirectory(atPath: marks, withIntermediateDirectories: true)
        let runner = try fakePoints(spec, in: marks)
        #expect(try SweepExecution(spec: spec, output: dir + "/full.csv").run(with: runner).isEmpty)
        let full = try read(dir + "/full.csv")
        let lines = full.split(separator: "\n").map(String.init)      // header, points 0...5
        // A run killed after points 4 and 1 finished, while point 2's row was being written.
        try ([lines[0], lines[5], lines[2]].joined(separator: "\n") + "\n" + lines[3].prefix(10))
            .write(toFile: dir + "/killed.csv", atomically: true, encoding: .utf8)
        for name in try FileManager.default.contentsOfDirectory(atPath: marks) { try FileManager.default.removeItem(atPath: marks + "/" + name) }
        #expect(try SweepExecution(spec: spec, output: dir + "/killed.csv", resume: true).run(with: runner).isEmpty)
        #expect(try pointsThatRan(in: marks) == [0, 2, 3, 5], "the torn row's point runs again")
        #expect(try read(dir + "/killed.csv") == full)
        // Resuming a finished sweep runs nothing; without --resume everything runs again.
        for name in try FileManager.default.contentsOfDirectory(atPath: marks) { try FileManager.default.removeItem(atPath: marks + "/" + name) }
        #expect(try SweepExecution(spec: spec, output: dir + "/killed.csv", resume: true).run(with: runner).isEmpty)
        #expect(try pointsThatRan(in: marks) == [])
        #expect(try SweepExecution(spec: spec, output: dir + "/killed.csv").run(with: runner).isEmpty)
        #expect(try pointsThatRan(in: marks) == [0, 1, 2, 3, 4, 5])
    }

    @Test func failedPointsAreReportedAndGetNoRow() throws {
        let (dir, spec) = try sweepFixture()
        let failures = try SweepExecution(spec: spec, output: dir + "/r.jsonl").run(with: try fakePoints(spec, in: dir, failing: [4, 1]))
        #expect(failures.map(\.point) == [1, 4])
        #expect(failures.map(\.message) == ["point 1 broke", "point 4 broke"])
        let rows = try read(dir + "/r.jsonl").split(separator: "\n").map { try ResultsFile.parseFlatJSON(String($0)) }
        #expect(rows.map { $0.first { $0.key == "point" }!.value } == ["0", "2", "3", "5"])
        // Resuming with the points fixed runs just those two.
        let ran = dir + "/again"
        try FileManager.default.createDirectory(atPath: ran, withIntermediateDirectories: true)
        #expect(try SweepExecution(spec: spec, output: dir + "/r.jsonl", resume: true).run(with: try fakePoints(spec, in: ran)).isEmpty)
        #expect(try pointsThatRan(in: ran) == [1, 4])
        #expect(try read(dir + "/r.jsonl").split(separator: "\n").count == 6)
    }

    @Test func aRowHoldsThePointsValuesVersionAndConfigHash() throws {
        let (_, spec) = try sweepFixture()
        let p = spec.points()[3]
        let yaml = try spec.config(for: p).yaml()
        let row = SweepRow(point: p, seed: 7, metrics: [("amat_ns", .real(12.5)), ("sim.events", .integer(9))], version: "v \"1\"", resolvedYAML: yaml).json
        let fields = try ResultsFile.parseFlatJSON(row)
        #expect(fields.map(\.key) == ["point", "repeat", "seed", "core.l1d.ways", "memory.latency", "amat_ns", "sim.events", "version", "config_hash"])
        #expect(fields.map(\.value) == ["3", "0", "7", "8", "50ns", "12.5", "9", "v \"1\"", FNV1a.hash(yaml).hexDigits])
        #expect(fields.map(\.isString) == [false, false, false, true, true, false, false, true, true])
    }
}

extension UInt64 {
    /// 16 lowercase hex digits.
    var hexDigits: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
