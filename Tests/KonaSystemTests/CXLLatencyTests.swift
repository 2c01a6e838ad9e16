import Testing
import KonaConfig
import KonaEngine
import KonaWorkloads
@testable import KonaSystem

/// Idle latencies of the CXL presets, each one dependent load on an otherwise idle machine.
@Suite struct CXLLatencyTests {
    /// `name`'s preset with one core and `overrides`.
    static func config(_ name: String, _ overrides: [String]) throws -> SimulationConfig {
        try SimulationConfig(KonaSchema.loader.load(path: preset(name), overrides: ["system.cores_per_socket=1"] + overrides))
    }

    /// The latency of the last load of a dependent chain over `addresses` (one core), in ps:
    /// the chain's latency sum less that of the chain without it.
    static func lastLatency(_ name: String, _ addresses: [UInt64], _ overrides: [String] = []) throws -> Tick {
        func sum(_ a: [UInt64]) throws -> Tick {
            let chain = a.map { address -> MemoryAccess in
                var access = load(address)
                access.dependent = true
                return access
            }
            let s = Simulation(config: try config(name, overrides), sources: [AccessList(chain)])
            _ = try s.run()
            return s.cores[0].latencySum
        }
        return try sum(addresses) - sum(Array(addresses.dropLast()))
    }

    /// The first page at or above `from` that the preset places on the device (`remote`) or in local DRAM.
    static func firstPage(_ name: String, remote: Bool, from: UInt64 = 0) throws -> UInt64 {
        let s = Simulation(config: try config(name, []), sources: [AccessList([])])
        let placement = try #require(s.placement)
        var page = from
        while placement.isRemote(page >> 6) != remote { page += 4096 }
        return page
    }

    @Test func printsTheExpandersIdleLatencies() throws {
        let device = try Self.firstPage("cxl-expander", remote: true)
        let local = try Self.firstPage("cxl-expander", remote: false)
        let d = try Self.lastLatency("cxl-expander", [device])
        let l = try Self.lastLatency("cxl-expander", [local])
        print("cxl-expander: device load \(d) ps, local load \(l) ps, ratio \(Double(d) / Double(l))")
        let k = try Self.lastLatency("kona-cxl", [local, device, device + 64])
        print("kona-cxl: FMem-resident load \(k) ps")
    }
}
