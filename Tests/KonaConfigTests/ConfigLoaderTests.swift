#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import KonaConfig

/// Repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// Writes `files` (name -> text) into a fresh temporary directory and returns its path.
func temporaryFiles(_ files: [String: String]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-config-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
    return dir
}

func loadError(_ text: String, overrides: [String] = []) throws -> ConfigError? {
    let dir = try temporaryFiles(["c.yaml": text])
    do {
        _ = try SimulationConfig(KonaSchema.loader.load(path: dir + "/c.yaml", overrides: overrides))
        return nil
    } catch {
        return error
    }
}

@Suite struct ConfigLoaderTests {
    @Test func defaultsFillEveryKey() throws {
        let config = try KonaSchema.loader.load(path: nil)
        #expect(config.quantity("core.l1d.size") == 32_768)
        #expect(config.origin("core.l1d.size") == .defaultValue)
        #expect(config.entries.count == KonaSchema.schema.keys.count)
    }

    @Test func valuesKeepTheirPosition() throws {
        let dir = try temporaryFiles(["c.yaml": "core:\n  l1d:\n    ways: 4\n    size: 16KiB\n"])
        let config = try KonaSchema.loader.load(path: dir + "/c.yaml")
        #expect(config.integer("core.l1d.ways") == 4)
        #expect(config.origin("core.l1d.size") == Origin(file: dir + "/c.yaml", line: 4, column: 11))
    }

    @Test(arguments: [
        // (yaml, line, column, key path, fragment of the problem)
        ("core:\n  l1d:\n    wayz: 4\n", 3, 5, "core.l1d.wayz", "did you mean 'core.l1d.ways'"),
        ("core:\n  l1dd:\n    ways: 4\n", 2, 3, "core.l1dd", "did you mean 'core.l1d'"),
        ("core:\n  l1d:\n    ways: eight\n", 3, 11, "core.l1d.ways", "expected an integer, got 'eight'"),
        ("core:\n  l1d:\n    ways: 0\n", 3, 11, "core.l1d.ways", "outside the allowed range 1...64"),
        ("memory:\n  latency: 70\n", 2, 12, "memory.latency", "needs a unit"),
        ("memory:\n  bandwidth: fast\n", 2, 14, "memory.bandwidth", "is not a bandwidth"),
        ("core:\n  l1d:\n    replacement: lru2\n", 3, 18, "core.l1d.replacement", "did you mean 'lru'"),
        ("core: 4\n", 1, 7, "core", "expected a section"),
        ("core:\n  frequency:\n    ghz: 2\n", 3, 5, "core.frequency", "expected a single value"),
        ("core:\n  frequency:\n", 2, 13, "core.frequency", "missing value"),
        ("core:\n  l1d:\n    size: 48KiB\n", 3, 11, "core.l1d.size", "96 sets, not a power of two"),
        ("workload:\n  footprint: 4B\n", 2, 14, "workload.footprint", "smaller than workload.access_size"),
        ("workload:\n  kind: lackey\n", 2, 9, "workload.kind", "needs workload.trace"),
        ("core:\n  l1d: {ways: 4\n", 3, 1, "", "YAML syntax error"),
        ("core:\n  ways: 4\n  ways: 5\n", 2, 3, "", "duplicate key(s) ways"),
        ("- a\n- b\n", 1, 1, "", "must be a mapping"),
        ("workload:\n  store_fraction: 1.5\n", 2, 19, "workload.store_fraction", "outside the allowed range"),
        ("trace:\n  window: 5us\n", 2, 11, "trace.window", "expected FROM..TO"),
        ("trace:\n  window: 5us..2us\n", 2, 11, "trace.window", "ends before it starts"),
        ("trace:\n  window: 5us..2parsecs\n", 2, 11, "trace.window", "unknown unit"),
        ("trace:\n  watch: 0x40,zz\n", 2, 10, "trace.watch", "'zz' is not an address"),
        ("trace:\n  timescale: 2ps\n", 2, 14, "trace.timescale", "is not one of"),
        ("memory:\n  remote_fraction: 0.5\n  page_size: 4KiB\nfpga:\n  fmem: {block_size: 64KiB}\n", 5, 22,
         "fpga.fmem.block_size", "larger than memory.page_size (4KiB, set at "),
        ("memory:\n  remote_fraction: 0.5\nfpga:\n  fmem: {block_size: 64KiB}\n", 4, 22,
         "fpga.fmem.block_size", "with memory.remote_fraction 0.5 (set at "),
        ("fpga:\n  range: {base: 1KiB, size: 1MiB}\n", 2, 17, "fpga.range.base", "not a multiple of fpga.fmem.block_size"),
        ("memory:\n  remote_fraction: 0.5\nfpga:\n  fmem: {size: 256GiB, block_size: 64B}\n", 4, 16, "fpga.fmem.size",
         "at most 2^31 - 1 frames"),
        ("memory:\n  remote_fraction: 0.5\nremote:\n  mechanism: cxl\ncxl:\n  link: {flit: \"68\"}\n", 6, 16, "cxl.link.flit", "no back-invalidation channels"),
        ("memory:\n  remote_fraction: 0.5\nremote:\n  mechanism: cxl\ncxl:\n  link: {flit: \"128\"}\n", 6, 16, "cxl.link.flit", "is not one of"),
        ("memory:\n  remote_fraction: 0.5\nremote:\n  mechanism: cxl\ncxl:\n  snoop_filter: {entries: 8, ways: 16}\n", 6, 27, "cxl.snoop_filter.entries",
         "fewer than one set"),
        ("memory:\n  remote_fraction: 0.5\nremote:\n  mechanism: cxl\ncxl:\n  snoop_filter: {entries: 48, ways: 16}\n", 6, 27, "cxl.snoop_filter.entries",
         "must be a whole power of two"),
        ("cxl:\n  snoop_filter: {ways: 8}\n", 2, 24, "cxl.snoop_filter.ways", "but remote.mechanism is fpga"),
        ("cxl:\n  coherence: hdm_h\n", 2, 14, "cxl.coherence", "but remote.mechanism is fpga"),
        ("memory:\n  remote_fraction: 0.5\nremote:\n  mechanism: cxl\ncxl:\n  coherence: hdm_h\n  snoop_filter: {ways: 8}\n", 7, 24,
         "cxl.snoop_filter.ways", "whose device keeps no snoop filter"),
    ])
    func errorsNameLineColumnAndKey(yaml: String, line: Int, column: Int, keyPath: String, fragment: String) throws {
        let error = try #require(try loadError(yaml))
        #expect(error.line == line && error.column == column, "\(error)")
        #expect(error.keyPath == keyPath, "\(error)")
        #expect(error.problem.contains(fragment), "\(error)")
        #expect(error.file.hasSuffix("c.yaml"))
        #expect(error.description.hasPrefix(error.file + ":\(line):\(column): "))
    }

    /// 68-byte flits are an HDM-H expander's (cxl.coherence: hdm_h); HDM-DB refuses them (above).
    @Test func sixtyEightByteFlitsLoadForAHostOnlyCoherentExpander() throws {
        let dir = try temporaryFiles(["c.yaml": "memory:\n  remote_fraction: 0.5\nremote:\n  mechanism: cxl\ncxl:\n  coherence: hdm_h\n  link: {flit: \"68\"}\n"])
        let cxl = try #require(try SimulationConfig(KonaSchema.loader.load(path: dir + "/c.yaml")).cxl)
        #expect(cxl.hostOnlyCoherent && cxl.flit == "68")
    }

    @Test func extendsOverridesTheBaseAndResolvesRelativePaths() throws {
        let dir = try temporaryFiles([
            "base.yaml": "core:\n  l1d:\n    ways: 4\n    size: 16KiB\nworkload:\n  trace: t.lackey\n",
            "child.yaml": "extends: base.yaml\ncore:\n  l1d:\n    ways: 2\n",
        ])
        let config = try KonaSchema.loader.load(path: dir + "/child.yaml")
        #expect(config.integer("core.l1d.ways") == 2)
        #expect(config.quantity("core.l1d.size") == 16_384)
        #expect(config.origin("core.l1d.size").file == dir + "/base.yaml")
        #expect(config.string("workload.trace") == dir + "/t.lackey")
    }

    @Test func extendsCyclesAndMissingFilesAreErrors() throws {
        let dir = try temporaryFiles(["a.yaml": "extends: b.yaml\n", "b.yaml": "extends: a.yaml\n", "c.yaml": "seed: 2\nextends: nope.yaml\n"])
        #expect { try KonaSchema.loader.load(path: dir + "/a.yaml") } throws: { e in
            (e as? ConfigError)?.problem.contains("extends cycle") == true
        }
        #expect { try KonaSchema.loader.load(path: dir + "/c.yaml") } throws: { e in
            guard let e = e as? ConfigError else { return false }
            return e.line == 2 && e.column == 10 && e.keyPath == "extends" && e.problem.contains("no such file")
        }
    }

    @Test func setOverridesApplyLastAndReportTheirPosition() throws {
        let config = try KonaSchema.loader.load(path: nil, overrides: ["core.l1d.size=64KiB", "seed = 9"])
        #expect(config.quantity("core.l1d.size") == 65_536 && config.integer("seed") == 9)
        #expect(config.origin("core.l1d.size") == Origin(file: "--set", line: 1, column: 15))
        #expect { try KonaSchema.loader.load(path: nil, overrides: ["seed=1", "core.l1d.sise=1KiB"]) } throws: { e in
            guard let e = e as? ConfigError else { return false }
            return e.file == "--set" && e.line == 2 && e.keyPath == "core.l1d.sise" && e.problem.contains("did you mean 'core.l1d.size'")
        }
        #expect { try KonaSchema.loader.load(path: nil, overrides: ["core.l1d.ways=many"]) } throws: { e in
            (e as? ConfigError)?.problem.contains("expected an integer") == true
        }
        #expect { try KonaSchema.loader.load(path: nil, overrides: ["seed"]) } throws: { e in
            (e as? ConfigError)?.problem.contains("expected key=value") == true
        }
    }

    @Test func printedResolvedConfigLoadsBackToTheSameValues() throws {
        let original = try KonaSchema.loader.load(path: nil, overrides: ["core.l1d.size=64KiB", "memory.bandwidth=100Gbps"])
        let dir = try temporaryFiles(["r.yaml": original.yaml()])
        let reloaded = try KonaSchema.loader.load(path: dir + "/r.yaml")
        for key in KonaSchema.schema.keys {
            #expect(reloaded.text(key.path) == original.text(key.path), "\(key.path)")
            #expect(reloaded.origin(key.path).file == dir + "/r.yaml", "\(key.path) not printed")
        }
    }

    @Test func embeddedDefaultIsByteForByteTheFile() throws {
        let file = try String(contentsOfFile: repositoryRoot + "/hwconfigs/default.yaml", encoding: .utf8)
        #expect(EmbeddedDefault.yaml == file, "run scripts/gen-embedded after editing hwconfigs/default.yaml")
    }

    @Test func configReferenceDocIsInSync() throws {
        let file = try String(contentsOfFile: repositoryRoot + "/docs/config.md", encoding: .utf8)
        #expect(ConfigReference.markdown(KonaSchema.schema) == file, "run scripts/gen-embedded to regenerate docs/config.md")
    }

    @Test func everyCommittedConfigValidates() throws {
        let dir = repositoryRoot + "/hwconfigs"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 2)
        for name in files {
            _ = try SimulationConfig(KonaSchema.loader.load(path: dir + "/" + name))
        }
    }
}
