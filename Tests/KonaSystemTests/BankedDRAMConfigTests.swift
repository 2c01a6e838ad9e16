#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import KonaConfig
import KonaEngine
import KonaHardware
@testable import KonaSystem

@Suite struct BankedDRAMConfigTests {
    private func resolved(_ overrides: [String]) throws -> ResolvedConfig {
        try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: overrides)).resolved
    }

    /// The DDR4-3200 preset sets what JESD79-4's DDR4-3200AA bin and the 8Gb x8 part say
    /// (nCK at tCK 0.625 ns: 22-22-22, tRAS 52, tRC 74, tFAW 34, tRFC 560, tREFI 12480).
    @Test func theDDR4_3200PresetIsTheDataSheetsPart() throws {
        let p = DRAMParameters(try resolved(["memory.dram.model=banked"]), prefix: "memory")
        #expect(p.tCK == 625)
        #expect([p.tCL, p.tRCD, p.tRP, p.tRAS, p.tRC] == [22, 22, 22, 52, 74])
        #expect([p.tFAW, p.tRRD_S, p.tRRD_L, p.tCCD_S, p.tCCD_L, p.tRFC, p.tREFI] == [34, 4, 8, 4, 8, 560, 12480])
        #expect([p.tWTR_S, p.tWTR_L, p.tRTP, p.tWR, p.tCWL, p.burstLength] == [4, 12, 12, 24, 16, 8])
    }

    /// Each preset's idle row miss is its tRCD + tCL + burst, in whole cycles of its tCK.
    @Test(arguments: [("DDR4-2400", (16 + 16 + 4) * 833), ("DDR4-3200", (22 + 22 + 4) * 625), ("DDR5-4800", (39 + 40 + 8) * 416)])
    func eachPresetsIdleMissIsItsSum(_ preset: String, _ ps: Int) throws {
        let p = DRAMParameters(try resolved(["memory.dram.model=banked", "memory.dram.preset=\(preset)"]), prefix: "memory")
        #expect(BankedDRAM(p).read(line: 0, at: 0) == Tick(ps))
    }

    /// A key set in a file or with --set wins over the preset, and the rest stay the preset's.
    @Test func anOverrideWinsOverThePreset() throws {
        let config = try resolved(["memory.dram.model=banked", "memory.dram.preset=DDR5-4800", "memory.dram.tRCD=30"])
        let p = DRAMParameters(config, prefix: "memory")
        #expect(p.tRCD == 30)
        #expect(p.tRP == 39)
        #expect(config.origin("memory.dram.tRP").file == "<preset DDR5-4800>")
    }

    /// Values the types allow but a DRAM cannot have are errors at the key's file, line and column.
    @Test(arguments: [
        ("memory:\n  dram:\n    model: banked\n    ranks: 3\n", "memory.dram.ranks", 4),
        ("fpga:\n  fmem:\n    dram:\n      model: banked\n      mapping: column:row\n", "fpga.fmem.dram.mapping", 5),
        ("memory:\n  dram:\n    model: banked\n    write_low: 30\n", "memory.dram.write_low", 4),
        ("memory:\n  dram:\n    model: banked\n    tRC: 10\n", "memory.dram.tRC", 4),
    ])
    func badDRAMValuesNameTheirKey(_ yaml: String, _ key: String, _ line: Int) throws {
        let error = #expect(throws: ConfigError.self) {
            try SimulationConfig(KonaSchema.loader.load(text: yaml, name: "bad.yaml"))
        }
        #expect(error?.file == "bad.yaml")
        #expect(error?.keyPath == key)
        #expect(error?.line == line)
    }

    /// A simple memory registers no banked statistics; a banked one reports row outcomes,
    /// utilization and energy under `<path>.dram`.
    @Test func bankedMemoriesReportRowHitsAndEnergy() throws {
        let config = try SimulationConfig(KonaSchema.loader.load(path: preset("kona"), overrides: [
            "run.max_accesses=2000", "fpga.fmem.dram.model=banked", "memory.dram.model=simple"]))
        let report = try Simulation(config: config).run()
        #expect(report.value("memory.dram.row_hits") == nil)
        let hits = report.value("fpga.fmem.dram.row_hits")?.asDouble ?? 0
        let rate = report.value("fpga.fmem.dram.row_hit_rate")?.asDouble ?? 0
        #expect(hits > 0 && rate > 0 && rate <= 1)
        #expect((report.value("fpga.fmem.dram.bank_utilization")?.asDouble ?? 0) > 0)
        #expect((report.value("fpga.fmem.dram.energy.total")?.asDouble ?? 0) > 0)
    }
}
