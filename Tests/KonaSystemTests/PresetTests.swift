#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import KonaConfig
import KonaEngine
import KonaWorkloads
@testable import KonaSystem

/// The repository's `hwconfigs/NAME.yaml`.
func preset(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/hwconfigs/\(name).yaml"
}

@Suite struct PresetTests {
    /// One load of a remote line on an otherwise idle system with `name`'s preset: every
    /// line is remote, so the load faults.
    private func idleFault(_ name: String, _ streams: [[MemoryAccess]] = [[load(0)]], _ more: [String] = []) throws -> Report {
        let config = try SimulationConfig(KonaSchema.loader.load(path: preset(name), overrides: ["memory.remote_fraction=1"] + more))
        return try Simulation(config: config, sources: streams.map { AccessList($0) }).run()
    }

    /// The idle fault, trap to retry, of each paging preset against the figure it cites
    /// (within 5%): Infiniswap about 40 us and LegoOS about 10 us (the Kona paper; the
    /// artifact's Remote), Fastswap about 5 us (an assumption).
    @Test(arguments: [("infiniswap", 40.0), ("legoos", 10.0), ("fastswap", 5.0)])
    func anIdleFaultCostsWhatThePresetCites(_ name: String, _ us: Double) throws {
        let r = try idleFault(name)
        #expect(integer(r, "paging.faults") == 1)
        let measured = (r.value("paging.fault_latency_ns.max")?.asDouble ?? 0) / 1000
        #expect(abs(measured / us - 1) < 0.05, "\(name): \(measured) us against \(us) us")
    }

    /// Infiniswap's evictions take over 32 us (the Kona paper): a dirty page evicted from a
    /// page cache of two pages on an idle system takes 32-36 us.
    @Test func anInfiniswapDirtyEvictionTakesOver32Microseconds() throws {
        var next = load(4096)
        next.dependent = true
        let r = try idleFault("infiniswap", [[store(0), next]], ["paging.capacity=8KiB"])
        #expect(integer(r, "paging.evictions") == 1 && integer(r, "paging.dirty_lines_written_back") == 1)
        let us = (r.value("paging.eviction_latency_ns.max")?.asDouble ?? 0) / 1000
        #expect(us > 32 && us < 36, "\(us) us")
    }

    /// Every preset loads, and the paging presets differ from kona.yaml only in the
    /// mechanism and its software costs: the same cores, caches, network and nodes.
    @Test func thePagingPresetsRunOnKonasHardware() throws {
        let kona = try KonaSchema.loader.load(path: preset("kona"))
        for name in ["infiniswap", "legoos", "fastswap"] {
            let other = try KonaSchema.loader.load(path: preset(name))
            #expect(other.string("remote.mechanism") == "paging")
            for key in KonaSchema.schema.keys.map(\.path) where !key.hasPrefix("paging.") && key != "remote.mechanism" {
                #expect(other.entries[key]?.value == kona.entries[key]?.value, "\(name): \(key)")
            }
        }
        let artifact = try SimulationConfig(KonaSchema.loader.load(path: preset("kona-artifact")))
        #expect(artifact.paging == nil && artifact.fpga?.ways == 4 && artifact.fpga?.blockSize == 4096)
    }
}
