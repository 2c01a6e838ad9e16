#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import KonaConfig

func sweep(_ yaml: String) throws -> SweepSpec {
    let dir = try temporaryFiles(["base.yaml": "seed: 7\n"])
    return try SweepSpec(text: yaml, name: dir + "/s.yaml", directory: dir)
}

func sweepError(_ yaml: String) -> ConfigError? {
    do { _ = try sweep(yaml); return nil } catch { return error as? ConfigError }
}

@Suite struct SweepSpecTests {
    @Test func productVariesTheFirstAxisSlowestAndRepeatsInnermost() throws {
        let s = try sweep("base: base.yaml\nsweep:\n  core.l1d.ways: [4, 8]\n  memory.latency: [50ns, 70ns, 90ns]\nrepeat: 2\n")
        let points = s.points()
        #expect(points.count == 12)
        #expect(points.map { $0.assignments.map(\.text) }.prefix(4).map { $0 } == [["4", "50ns"], ["4", "50ns"], ["4", "70ns"], ["4", "70ns"]])
        #expect(points.map(\.repeatIndex).prefix(4) == [0, 1, 0, 1])
        let config = try s.config(for: points[1])
        #expect(config.integer("seed") == 8 && config.integer("core.l1d.ways") == 4, "repeat 1 adds 1 to the base seed")
    }

    @Test func aDistributionKeySweepsNumbersRangesAndUniforms() throws {
        let s = try sweep("base: base.yaml\nsweep:\n  workload.instructions_per_access: [2, {uniform: [1, 3]}]\n  core.rob_size: [64]\n")
        #expect(s.points().map { $0.assignments[0].text } == ["2", "{uniform: [1, 3]}"])
        #expect(try s.config(for: s.points()[1]).distribution("workload.instructions_per_access") == CountDistribution(lower: 1, upper: 3))
        let range = try sweep("base: base.yaml\nsweep:\n  workload.instructions_per_access: {from: 0, to: 8, step: 4}\n")
        #expect(range.points().map { $0.assignments[0].text } == ["0", "4", "8"])
        let bad = sweepError("base: base.yaml\nsweep:\n  workload.instructions_per_access: [{uniform: [5, 1]}]\n")
        #expect(bad?.line == 3 && bad?.problem.contains("first bound is above the second") == true, "\(String(describing: bad))")
    }

    @Test func zipPairsAxes() throws {
        let s = try sweep("base: base.yaml\nsweep:\n  core.l1d.ways: [4, 8]\n  core.l2.ways: [2, 16]\nmode: zip\n")
        #expect(s.points().map { $0.assignments.map(\.text) } == [["4", "2"], ["8", "16"]])
    }

    @Test func groupsZipInsideAProduct() throws {
        let s = try sweep("base: base.yaml\nsweep:\n  core.l1d.ways: [4, 8]\n  seed: [1, 2, 3]\n  core.l2.ways: [2, 16]\ngroups: [[core.l1d.ways, core.l2.ways]]\n")
        #expect(s.points().map { $0.assignments.map(\.text) } == [
            ["4", "1", "2"], ["4", "2", "2"], ["4", "3", "2"], ["8", "1", "16"], ["8", "2", "16"], ["8", "3", "16"],
        ])
        let bad = sweepError("base: base.yaml\nsweep:\n  core.l1d.ways: [4, 8]\n  core.l2.ways: [2]\ngroups: [[core.l1d.ways, core.l2.ways]]\n")
        #expect(bad?.line == 5 && bad?.keyPath == "groups" && bad?.problem.contains("one length") == true, "\(String(describing: bad))")
        let unknown = sweepError("base: base.yaml\nsweep:\n  core.l1d.ways: [4]\n  seed: [1]\ngroups: [[core.l1d.ways, nope]]\n")
        #expect(unknown?.keyPath == "groups" && unknown?.problem.contains("'nope' is not an axis") == true)
    }

    @Test func rangesInTheKeysUnits() throws {
        let s = try sweep("""
        base: base.yaml
        sweep:
          memory.latency: {from: 50ns, to: 100ns, step: 25ns}
          core.l1d.size: {from: 16KiB, to: 64KiB, factor: 2}
          core.issue_rate: {values: [1, 2]}
          workload.store_fraction: {from: 0, to: 0.5, step: 0.25}
        """)
        #expect(s.axes.map { $0.values.map(\.text) } == [["50ns", "75ns", "100ns"], ["16KiB", "32KiB", "64KiB"], ["1", "2"], ["0.0", "0.25", "0.5"]])
        #expect(s.points().count == 3 * 3 * 2 * 3)
    }

    @Test func inlineBaseKeepsItsLines() throws {
        let s = try sweep("base:\n  core:\n    l1d:\n      ways: 2\nsweep:\n  seed: [1, 2]\n")
        let config = try s.config(for: s.points()[0])
        #expect(config.integer("core.l1d.ways") == 2 && config.origin("core.l1d.ways").line == 4)
    }

    @Test(arguments: [
        ("base: base.yaml\nsweep:\n  core.l1d.sise: [1KiB]\n", 3, "sweep.core.l1d.sise", "did you mean 'core.l1d.size'"),
        ("base: base.yaml\nsweep:\n  core.l1d.size: [32KiB, 48KiB]\n", 3, "core.l1d.size", "axis core.l1d.size = 48KiB"),
        ("base: base.yaml\nsweep:\n  core.l1d.ways: [4, 8]\n  core.l2.ways: [2]\nmode: zip\n", 5, "mode", "zip needs axes of one length"),
        ("base: base.yaml\nsweep:\n  memory.latency: {from: 9ns, to: 1ns, step: 1ns}\n", 3, "sweep.memory.latency", "to >= from"),
        ("base: base.yaml\nsweep:\n  core.l1d.replacement: {from: 1, to: 2, step: 1}\n", 3, "sweep.core.l1d.replacement", "list its values"),
        ("base: nope.yaml\nsweep:\n  seed: [1]\n", 1, "base", "no such config"),
        ("base: base.yaml\nsweeps:\n  seed: [1]\n", 2, "sweeps", "did you mean 'sweep'"),
        ("base: base.yaml\nsweep:\n  seed: [1]\nrepeat: 0\n", 4, "repeat", "1...1000"),
    ])
    func errorsNameTheSweepFilesLineAndAxis(yaml: String, line: Int, key: String, fragment: String) throws {
        let error = try #require(sweepError(yaml))
        #expect(error.line == line && error.keyPath == key && error.problem.contains(fragment), "\(error)")
        #expect(error.file.hasSuffix("s.yaml"))
    }

    @Test(arguments: [1, 2, 3, 5, 7])
    func shardsCoverEveryPointExactlyOnce(_ n: Int) throws {
        let s = try sweep("base: base.yaml\nsweep:\n  core.l1d.ways: [1, 2, 4, 8]\n  core.l2.ways: [2, 4, 8]\nrepeat: 2\n")
        let all = s.points().map(\.index)
        let sharded = (0..<n).flatMap { i in all.filter { $0 % n == i } }
        #expect(sharded.sorted() == all && Set(sharded).count == all.count)
    }
}
