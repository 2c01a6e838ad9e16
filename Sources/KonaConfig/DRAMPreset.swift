/// The banked DRAM presets: every key under `<memory>.dram` a preset sets, as YAML text.
///
/// Timings are in clock cycles (nCK) of `tCK`, each the data sheet's minimum in ns rounded
/// up to whole cycles; `tCK` is rounded to whole picoseconds. Sources, value by value, are
/// in docs/model.md ("Banked DRAM presets"). The DDR4-3200 preset's values are also the
/// schema's defaults, so `docs/config.md` shows them.
public enum DRAMPreset: String, CaseIterable, Sendable {
    case ddr4_2400 = "DDR4-2400"
    case ddr4_3200 = "DDR4-3200"
    case ddr5_4800 = "DDR5-4800"

    /// Keys below `<memory>.dram` with a value in every preset, in the order the schema declares them.
    public static let keys = [
        "channels", "ranks", "bank_groups", "banks_per_group", "row_lines", "mapping", "xor_bank_hash", "page_policy",
        "write_queue", "write_high", "write_low", "read_queue", "bank_queue", "tCK", "burst_length", "tCL", "tCWL", "tRCD", "tRP", "tRAS", "tRC",
        "tCCD_S", "tCCD_L", "tRRD_S", "tRRD_L", "tFAW", "tWTR_S", "tWTR_L", "tRTP", "tWR", "tRFC", "tREFI",
        "vdd", "idd0", "idd2n", "idd3n", "idd4r", "idd4w", "idd5b", "devices_per_rank",
    ]

    /// The preset's value of each key in `keys`.
    public var values: [String: String] {
        // One 64-bit channel of two ranks of x8 devices (8 per rank); a rank's row holds
        // 1 KiB per device, 8 KiB: 128 lines. Consecutive lines alternate bank groups (as
        // controllers interleave them for bandwidth), then share a row.
        let common: [String: String] = [
            "channels": "1", "ranks": "2", "row_lines": "128", "mapping": "row:rank:bank:column:bankgroup:channel",
            "xor_bank_hash": "false", "page_policy": "open", "write_queue": "32", "write_high": "24", "write_low": "8",
            "read_queue": "32", "bank_queue": "8",
            "devices_per_rank": "8",
        ]
        let specific: [String: String]
        switch self {
        case .ddr4_2400:    // JESD79-4 DDR4-2400R (16-16-16), 8Gb x8; Micron MT40A1G8 IDD
            specific = [
                "bank_groups": "4", "banks_per_group": "4", "tCK": "833ps", "burst_length": "8",
                "tCL": "16", "tCWL": "12", "tRCD": "16", "tRP": "16", "tRAS": "39", "tRC": "55",
                "tCCD_S": "4", "tCCD_L": "6", "tRRD_S": "4", "tRRD_L": "6", "tFAW": "26",
                "tWTR_S": "3", "tWTR_L": "9", "tRTP": "9", "tWR": "18", "tRFC": "421", "tREFI": "9364",
                "vdd": "1.2", "idd0": "48", "idd2n": "34", "idd3n": "43", "idd4r": "135", "idd4w": "123", "idd5b": "250",
            ]
        case .ddr4_3200:    // JESD79-4 DDR4-3200AA (22-22-22), 8Gb x8; Micron MT40A1G8 IDD
            specific = [
                "bank_groups": "4", "banks_per_group": "4", "tCK": "625ps", "burst_length": "8",
                "tCL": "22", "tCWL": "16", "tRCD": "22", "tRP": "22", "tRAS": "52", "tRC": "74",
                "tCCD_S": "4", "tCCD_L": "8", "tRRD_S": "4", "tRRD_L": "8", "tFAW": "34",
                "tWTR_S": "4", "tWTR_L": "12", "tRTP": "12", "tWR": "24", "tRFC": "560", "tREFI": "12480",
                "vdd": "1.2", "idd0": "57", "idd2n": "37", "idd3n": "52", "idd4r": "168", "idd4w": "150", "idd5b": "250",
            ]
        case .ddr5_4800:    // JESD79-5 DDR5-4800B (40-39-39), 16Gb x8, one 32-bit subchannel, BL16
            specific = [
                "bank_groups": "8", "banks_per_group": "4", "tCK": "416ps", "burst_length": "16",
                "tCL": "40", "tCWL": "38", "tRCD": "39", "tRP": "39", "tRAS": "77", "tRC": "116",
                "tCCD_S": "8", "tCCD_L": "12", "tRRD_S": "8", "tRRD_L": "12", "tFAW": "32",
                "tWTR_S": "6", "tWTR_L": "24", "tRTP": "18", "tWR": "72", "tRFC": "710", "tREFI": "9375",
                "vdd": "1.1", "idd0": "103", "idd2n": "92", "idd3n": "142", "idd4r": "377", "idd4w": "359", "idd5b": "277",
                "devices_per_rank": "4",
            ]
        }
        return common.merging(specific) { _, new in new }
    }

    /// The schema's keys for the banked DRAM of the memory at `prefix` (`memory`, `fpga.fmem`).
    static func schemaKeys(_ prefix: String, what: String) -> [ConfigKey] {
        let p = prefix + ".dram."
        let d = DRAMPreset.ddr4_3200.values
        func key(_ name: String, _ type: ValueType, _ doc: String) -> ConfigKey {
            ConfigKey(p + name, type, default: d[name]!, doc + " Default: the preset's.")
        }
        let cycles = ValueType.integer(1...1_000_000)
        let milliamps = ValueType.real(0...100_000)
        var keys = [
            ConfigKey(p + "model", .choice(["simple", "banked"]), default: "simple",
                      "How \(what) is modelled: simple (\(prefix).latency after a transfer at \(prefix).bandwidth) or banked (channels, ranks, banks, row buffers, JEDEC timings, refresh, write queue; the keys below)."),
            ConfigKey(p + "preset", .choice(DRAMPreset.allCases.map(\.rawValue)), default: DRAMPreset.ddr4_3200.rawValue,
                      "The part whose data-sheet values the banked model starts from; any key below overrides its value (docs/model.md cites each)."),
            key("channels", .integer(1...64), "Independent channels (power of two), each with its own data bus."),
            key("ranks", .integer(1...16), "Ranks per channel (power of two); each refreshes on its own, staggered."),
            key("bank_groups", .integer(1...16), "Bank groups per rank (power of two)."),
            key("banks_per_group", .integer(1...16), "Banks per bank group (power of two)."),
            key("row_lines", .integer(1...65_536), "64-byte lines in one row of a rank (its row buffer across the rank's devices; power of two)."),
            key("mapping", .text, "Line-address fields from the most significant down, separated by ':': row first, then rank, bankgroup, bank, channel and column in any order."),
            key("xor_bank_hash", .boolean, "XOR the bank group and bank with the row's low bits."),
            key("page_policy", .choice(["open", "closed"]), "open: a row stays open after an access; closed: each access precharges its bank (auto-precharge)."),
            key("write_queue", .integer(2...4096), "Writes each channel's write queue holds."),
            key("write_high", .integer(1...4096), "A channel's write queue drains when it holds this many writes (at most write_queue)."),
            key("write_low", .integer(0...4095), "... down to this many."),
            key("read_queue", .integer(1...4096), "Reads each channel's read queue holds while they wait for room in their bank's command queue; a read that finds it full waits to enter."),
            key("bank_queue", .integer(1...256), "Requests each bank's command queue holds; one enters when the request bank_queue before it in that bank has issued its READ or WRITE."),
            key("tCK", .duration, "Clock period (whole picoseconds)."),
            key("burst_length", .integer(2...64), "Beats per burst, two per clock; one burst carries a 64-byte line."),
        ]
        let timings: [(String, String)] = [
            ("tCL", "READ to first data (CAS latency)"), ("tCWL", "WRITE to first data (CAS write latency)"),
            ("tRCD", "ACT to READ or WRITE"), ("tRP", "PRE to ACT in the same bank"), ("tRAS", "ACT to PRE in the same bank"),
            ("tRC", "ACT to ACT in the same bank"), ("tCCD_S", "READ/WRITE to READ/WRITE, different bank group"),
            ("tCCD_L", "READ/WRITE to READ/WRITE, same bank group"), ("tRRD_S", "ACT to ACT, different bank group"),
            ("tRRD_L", "ACT to ACT, same bank group"), ("tFAW", "window in which a rank takes at most four ACTs"),
            ("tWTR_S", "end of write data to READ, different bank group"), ("tWTR_L", "end of write data to READ, same bank group"),
            ("tRTP", "READ to PRE"), ("tWR", "end of write data to PRE (write recovery)"), ("tRFC", "REF to the next command to the rank"),
            ("tREFI", "interval between a rank's REF commands"),
        ]
        keys += timings.map { key($0.0, cycles, $0.1.prefix(1).uppercased() + $0.1.dropFirst() + ", in cycles of tCK.") }
        keys += [
            key("vdd", .real(0...5), "Supply voltage (V), for energy."),
            key("idd0", milliamps, "IDD0 of one device (mA): one bank ACT-PRE cycling."),
            key("idd2n", milliamps, "IDD2N (mA): precharge standby."),
            key("idd3n", milliamps, "IDD3N (mA): active standby."),
            key("idd4r", milliamps, "IDD4R (mA): burst reads."),
            key("idd4w", milliamps, "IDD4W (mA): burst writes."),
            key("idd5b", milliamps, "IDD5B (mA): burst refresh."),
            key("devices_per_rank", .integer(1...64), "Devices in a rank (a 64-bit rank of x8 parts: 8)."),
        ]
        return keys
    }
}
