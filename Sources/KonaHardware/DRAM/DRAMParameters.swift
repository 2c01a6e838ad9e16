/// Everything a banked DRAM needs: geometry, address mapping, policies, JEDEC timings in
/// clock cycles of `tCK`, and the IDD currents of one device for energy.
///
/// Plain values; `KonaSystem` fills them from the config (a preset plus overrides).
/// Timings keep their JEDEC names. Every command time is a whole number of `tCK`
/// picoseconds after 0, so the model never meets fractions of a picosecond.
public struct DRAMParameters: Sendable, Equatable {
    /// Row-buffer policy: keep a row open after an access, or close it (auto-precharge).
    public enum PagePolicy: String, Sendable, CaseIterable { case open, closed }

    /// The address fields, named as `mapping` lists them from the most significant down.
    public enum Field: String, Sendable, CaseIterable { case row, rank, bankgroup, bank, channel, column }

    public var channels: Int
    public var ranks: Int
    public var bankGroups: Int
    public var banksPerGroup: Int
    /// Lines (64 B) in one row of a rank (the row buffer across the rank's devices).
    public var rowLines: Int
    /// Fields of a line address from the most significant down (`row` takes what is left).
    public var mapping: [Field]
    /// XOR the bank and bank-group bits with the row's low bits (spreads conflicting rows).
    public var xorBankHash: Bool
    public var pagePolicy: PagePolicy
    /// Writes the write queue holds; a write that finds it full waits for a drain.
    public var writeQueue: Int
    /// The write queue drains when it holds `writeHigh` writes, down to `writeLow`.
    public var writeHigh: Int
    public var writeLow: Int
    /// Reads each channel's read queue holds (waiting for room in their bank's command
    /// queue); a read that finds it full waits outside.
    public var readQueue: Int
    /// Commands each bank's command queue holds; a request enters it when the one
    /// `bankQueue` before it in that bank has issued its RD/WR.
    public var bankQueue: Int

    /// Clock period in ps.
    public var tCK: UInt64
    /// Burst length in beats (two per clock): a line's burst takes `burstLength / 2` cycles.
    public var burstLength: Int
    public var tCL: Int, tCWL: Int, tRCD: Int, tRP: Int, tRAS: Int, tRC: Int
    public var tCCD_S: Int, tCCD_L: Int, tRRD_S: Int, tRRD_L: Int, tFAW: Int
    public var tWTR_S: Int, tWTR_L: Int, tRTP: Int, tWR: Int, tRFC: Int, tREFI: Int

    /// Supply voltage (V) and currents of one device (mA), as the data sheet's IDD table.
    public var vdd: Double
    public var idd0: Double, idd2n: Double, idd3n: Double, idd4r: Double, idd4w: Double, idd5b: Double
    /// Devices that make up a rank (64-bit bus of x8 parts: 8).
    public var devicesPerRank: Int

    public init(channels: Int, ranks: Int, bankGroups: Int, banksPerGroup: Int, rowLines: Int, mapping: [Field],
                xorBankHash: Bool, pagePolicy: PagePolicy, writeQueue: Int, writeHigh: Int, writeLow: Int,
                tCK: UInt64, burstLength: Int, tCL: Int, tCWL: Int, tRCD: Int, tRP: Int, tRAS: Int, tRC: Int,
                tCCD_S: Int, tCCD_L: Int, tRRD_S: Int, tRRD_L: Int, tFAW: Int, tWTR_S: Int, tWTR_L: Int,
                tRTP: Int, tWR: Int, tRFC: Int, tREFI: Int,
                vdd: Double, idd0: Double, idd2n: Double, idd3n: Double, idd4r: Double, idd4w: Double, idd5b: Double,
                devicesPerRank: Int, readQueue: Int = 32, bankQueue: Int = 8) {
        self.channels = channels; self.ranks = ranks; self.bankGroups = bankGroups; self.banksPerGroup = banksPerGroup
        self.rowLines = rowLines; self.mapping = mapping; self.xorBankHash = xorBankHash; self.pagePolicy = pagePolicy
        self.writeQueue = writeQueue; self.writeHigh = writeHigh; self.writeLow = writeLow
        self.readQueue = readQueue; self.bankQueue = bankQueue
        self.tCK = tCK; self.burstLength = burstLength; self.tCL = tCL; self.tCWL = tCWL; self.tRCD = tRCD
        self.tRP = tRP; self.tRAS = tRAS; self.tRC = tRC; self.tCCD_S = tCCD_S; self.tCCD_L = tCCD_L
        self.tRRD_S = tRRD_S; self.tRRD_L = tRRD_L; self.tFAW = tFAW; self.tWTR_S = tWTR_S; self.tWTR_L = tWTR_L
        self.tRTP = tRTP; self.tWR = tWR; self.tRFC = tRFC; self.tREFI = tREFI
        self.vdd = vdd; self.idd0 = idd0; self.idd2n = idd2n; self.idd3n = idd3n; self.idd4r = idd4r
        self.idd4w = idd4w; self.idd5b = idd5b; self.devicesPerRank = devicesPerRank
    }

    /// Banks in one rank.
    public var banksPerRank: Int { bankGroups * banksPerGroup }
    /// Cycles a line's data occupies the bus.
    public var burstCycles: Int { burstLength / 2 }
    /// Peak bandwidth of all channels, in bytes per second (one line per burst).
    public var peakBytesPerSecond: Double { Double(channels) * 64e12 / Double(UInt64(burstCycles) * tCK) }

    /// Why these parameters cannot build a model, or nil.
    public var problem: String? {
        for (name, n) in [("channels", channels), ("ranks", ranks), ("bank_groups", bankGroups),
                          ("banks_per_group", banksPerGroup), ("row_lines", rowLines)] where n <= 0 || n & (n - 1) != 0 {
            return "\(name) must be a power of two, got \(n)"
        }
        if Set(mapping).count != Field.allCases.count || mapping.count != Field.allCases.count {
            return "mapping must name each of row, rank, bankgroup, bank, channel, column once"
        }
        if mapping.first != .row { return "mapping must start with row (the row takes the bits left above the others)" }
        if burstLength < 2 || burstLength % 2 != 0 { return "burst_length must be even, got \(burstLength)" }
        if tRC < tRAS { return "tRC (\(tRC)) must be at least tRAS (\(tRAS))" }
        if !(writeLow < writeHigh && writeHigh <= writeQueue) {
            return "write watermarks need write_low < write_high <= write_queue, got \(writeLow), \(writeHigh), \(writeQueue)"
        }
        if readQueue < 1 || bankQueue < 1 { return "read_queue and bank_queue must be at least 1, got \(readQueue), \(bankQueue)" }
        if tREFI <= tRFC { return "tREFI (\(tREFI)) must exceed tRFC (\(tRFC))" }
        return nil
    }
}
