import KonaConfig
import KonaEngine
import KonaHardware

extension DRAMParameters {
    /// The banked model's parameters of the memory at `prefix` (`memory`, `fpga.fmem`) of a
    /// config whose presets are applied (`SimulationConfig.resolved`).
    public init(_ config: ResolvedConfig, prefix: String) {
        let p = prefix + ".dram."
        func int(_ name: String) -> Int { Int(config.integer(p + name)) }
        func real(_ name: String) -> Double { config.real(p + name) }
        self.init(channels: int("channels"), ranks: int("ranks"), bankGroups: int("bank_groups"),
                  banksPerGroup: int("banks_per_group"), rowLines: int("row_lines"),
                  mapping: config.dramMapping(prefix).map { Field(rawValue: $0)! },
                  xorBankHash: config.boolean(p + "xor_bank_hash"),
                  pagePolicy: PagePolicy(rawValue: config.string(p + "page_policy"))!,
                  writeQueue: int("write_queue"), writeHigh: int("write_high"), writeLow: int("write_low"),
                  tCK: config.quantity(p + "tCK"), burstLength: int("burst_length"),
                  tCL: int("tCL"), tCWL: int("tCWL"), tRCD: int("tRCD"), tRP: int("tRP"), tRAS: int("tRAS"), tRC: int("tRC"),
                  tCCD_S: int("tCCD_S"), tCCD_L: int("tCCD_L"), tRRD_S: int("tRRD_S"), tRRD_L: int("tRRD_L"), tFAW: int("tFAW"),
                  tWTR_S: int("tWTR_S"), tWTR_L: int("tWTR_L"), tRTP: int("tRTP"), tWR: int("tWR"), tRFC: int("tRFC"),
                  tREFI: int("tREFI"), vdd: real("vdd"), idd0: real("idd0"), idd2n: real("idd2n"), idd3n: real("idd3n"),
                  idd4r: real("idd4r"), idd4w: real("idd4w"), idd5b: real("idd5b"), devicesPerRank: int("devices_per_rank"),
                  readQueue: int("read_queue"), bankQueue: int("bank_queue"))
    }
}

extension Simulation {
    /// The remote nodes' memory parameters when `remote.dram.model` is banked, else nil
    /// (the network's per-node channel of `remote.latency` and `remote.bandwidth`).
    var remoteDRAM: DRAMParameters? {
        config.resolved.isBanked("remote") ? DRAMParameters(config.resolved, prefix: "remote") : nil
    }

    /// The memory at `path` as the config's `<prefix>.dram.model` says: banked from its
    /// parameters, or simple with `latency` and `bitsPerSecond`.
    static func makeMemory(path: String, prefix: String, config: SimulationConfig, latency: Tick, bitsPerSecond: UInt64,
                           stats: StatsRegistry, simulatedTime: @escaping () -> Tick) -> MainMemory {
        guard config.resolved.isBanked(prefix) else {
            return MainMemory(path: path, latency: latency, bitsPerSecond: bitsPerSecond, stats: stats, simulatedTime: simulatedTime)
        }
        return MainMemory(path: path, banked: DRAMParameters(config.resolved, prefix: prefix), stats: stats,
                          simulatedTime: simulatedTime)
    }
}
