#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import KonaConfig

/// The repository's root, from this file's path.
private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Reads `text` as the `config` fuzz target does (`Fuzz/ConfigTarget.swift`): as a config
/// file, then as a sweep file, both resolving names in `hwconfigs/`. Returns the errors.
func readConfigLikeKonasim(_ text: String, name: String) -> (config: ConfigError?, sweep: ConfigError?) {
    let directory = repository.appendingPathComponent("hwconfigs").path
    var errors: (config: ConfigError?, sweep: ConfigError?) = (nil, nil)
    do throws(ConfigError) {
        _ = try SimulationConfig(KonaSchema.loader.load(text: text, name: name, baseDirectory: directory))
    } catch {
        errors.config = error
    }
    do throws(ConfigError) {
        _ = try SweepSpec(text: text, name: name, directory: directory)
    } catch {
        errors.sweep = error
    }
    return errors
}

/// Sweep files that crashed `konasim sweep` or grew without bound, kept in
/// `Tests/Fixtures/fuzz/config/` (the `config` fuzz target starts from them); each must now
/// be an error at its line.
@Suite struct ConfigFuzzRegressionTests {
    /// A kept input: its file, and the sweep error's line, key path and words of its problem.
    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        var line: Int
        var keyPath: String
        var problem: String
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        // A range of integers beyond Int64: Int64(Double) trapped.
        Case(file: "sweep-integer-range-past-int64.yaml", line: 3, keyPath: "sweep.seed",
             problem: "the range reaches 1e+19, beyond what seed can hold"),
        // A range of sizes at UInt64.max, which is 2^64 as a Double: UInt64(Double) trapped.
        Case(file: "sweep-size-range-past-uint64.yaml", line: 3, keyPath: "sweep.core.l1d.size",
             problem: "beyond what core.l1d.size can hold"),
        // Four axes of 1,000 values: every combination (10^12) was made before the count
        // was checked against the limit, until memory ran out.
        Case(file: "sweep-product-beyond-memory.yaml", line: 1, keyPath: "sweep",
             problem: "more than 100000 points (seed: 1000 x core.l1d.ways: 1000 x core.l2.ways: 1000 x llc.ways: 1000)"),
    ]

    @Test(arguments: cases)
    func isAnErrorAtItsLine(_ found: Case) throws {
        let path = repository.appendingPathComponent("Tests/Fixtures/fuzz/config/\(found.file)").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let error = try #require(readConfigLikeKonasim(text, name: found.file).sweep)
        #expect(error.file == found.file, "\(error)")
        #expect(error.line == found.line, "\(error)")
        #expect(error.keyPath == found.keyPath, "\(error)")
        #expect(error.problem.contains(found.problem), "\(error)")
    }
}
