// MARK: Banked DRAM presets and checks

extension ResolvedConfig {
    /// The memories that may be banked, by key prefix (`<prefix>.dram.*`).
    public static let dramPrefixes = ["memory", "fpga.fmem", "remote"]

    /// This config with every `<memory>.dram.*` key that nobody set taken from that
    /// memory's `preset`, its origin `<preset NAME>`; `validate --print-resolved` prints it.
    public func applyingDRAMPresets() -> ResolvedConfig {
        var copy = self
        let loader = ConfigLoader(schema: schema)
        for prefix in Self.dramPrefixes {
            guard let preset = DRAMPreset(rawValue: string(prefix + ".dram.preset")) else { continue }
            let values = preset.values
            let origin = Origin(file: "<preset \(preset.rawValue)>", line: 0, column: 0)
            for name in DRAMPreset.keys {
                let path = prefix + ".dram." + name
                guard self.origin(path) == .defaultValue, let key = schema.key(path), let text = values[name] else { continue }
                // Preset texts are declared beside the schema and parse by construction.
                copy.set(path, try! loader.parse(text, for: key, at: origin, directory: nil), origin: origin)
            }
        }
        return copy
    }

    /// Whether the memory at `prefix` uses the banked model.
    public func isBanked(_ prefix: String) -> Bool { string(prefix + ".dram.model") == "banked" }

    /// The address fields of `<prefix>.dram.mapping`, most significant first.
    public func dramMapping(_ prefix: String) -> [String] {
        string(prefix + ".dram.mapping").split(separator: ":").map { String($0).trimmingSpaces }
    }

    /// Checks what the keys' types cannot of a banked memory's values (powers of two, the
    /// mapping, watermarks, timing order), naming the key at fault.
    func checkDRAM(_ prefix: String) throws(ConfigError) {
        guard isBanked(prefix) else { return }
        let p = prefix + ".dram."
        for name in ["channels", "ranks", "bank_groups", "banks_per_group", "row_lines"] {
            let n = integer(p + name)
            guard n > 0 && n & (n - 1) == 0 else { throw error(p + name, "must be a power of two, got \(n)") }
        }
        let fields = dramMapping(prefix)
        let names = ["row", "rank", "bankgroup", "bank", "channel", "column"]
        guard fields.count == names.count, Set(fields) == Set(names), fields.first == "row" else {
            throw error(p + "mapping", "expected row first, then rank, bankgroup, bank, channel and column in any order, separated by ':'; got '\(string(p + "mapping"))'")
        }
        guard integer(p + "burst_length") % 2 == 0 else { throw error(p + "burst_length", "must be even, got \(integer(p + "burst_length"))") }
        guard quantity(p + "tCK") > 0 else { throw error(p + "tCK", "must be greater than 0") }
        guard integer(p + "tRC") >= integer(p + "tRAS") else {
            throw error(p + "tRC", "\(integer(p + "tRC")) is below tRAS (\(integer(p + "tRAS")))")
        }
        guard integer(p + "tREFI") > integer(p + "tRFC") else {
            throw error(p + "tREFI", "\(integer(p + "tREFI")) must exceed tRFC (\(integer(p + "tRFC")))")
        }
        let queue = integer(p + "write_queue"), high = integer(p + "write_high"), low = integer(p + "write_low")
        guard high <= queue else { throw error(p + "write_high", "\(high) exceeds write_queue (\(queue))") }
        guard low < high else { throw error(p + "write_low", "\(low) must be below write_high (\(high))") }
    }
}
