import Testing
import KonaEngine
@testable import KonaHardware

/// DDR4-3200AA (22-22-22), 8Gb x8, from the JESD79-4 speed bin: tCK 0.625 ns; tCL = tRCD =
/// tRP = 13.75 ns (22 nCK); tRAS 32 ns (52); tRC 45.75 ns (74); tFAW 21 ns (34); tRRD_S
/// 2.5 ns (4); tRRD_L 4.9 ns (8); tRFC 350 ns (560); tREFI 7.8 us (12480). Written out here,
/// not taken from the preset, so the hand sums check the model against the data sheet.
let ddr4_3200 = DRAMParameters(
    channels: 1, ranks: 2, bankGroups: 4, banksPerGroup: 4, rowLines: 128,
    mapping: [.row, .rank, .bank, .bankgroup, .channel, .column], xorBankHash: false, pagePolicy: .open,
    writeQueue: 32, writeHigh: 24, writeLow: 8, tCK: 625, burstLength: 8,
    tCL: 22, tCWL: 16, tRCD: 22, tRP: 22, tRAS: 52, tRC: 74, tCCD_S: 4, tCCD_L: 8, tRRD_S: 4, tRRD_L: 8, tFAW: 34,
    tWTR_S: 4, tWTR_L: 12, tRTP: 12, tWR: 24, tRFC: 560, tREFI: 12480,
    vdd: 1.2, idd0: 57, idd2n: 37, idd3n: 52, idd4r: 168, idd4w: 150, idd5b: 250, devicesPerRank: 8)

@Suite struct BankedDRAMTests {
    /// Lines per row of one bank times the banks and ranks: the next row of the same bank.
    let nextRow: UInt64 = 128 * 16 * 2

    /// Idle channel: a miss is tRCD + tCL + burst (13.75 + 13.75 + 2.5 = 30 ns), a hit tCL +
    /// burst (16.25 ns), a conflict tRP + tRCD + tCL + burst (43.75 ns), each exactly.
    @Test func rowMissHitAndConflictAreTheDataSheetSums() {
        let dram = BankedDRAM(ddr4_3200)
        #expect(dram.read(line: 5, at: 0) == 30_000)
        #expect(dram.read(line: 6, at: 1_000_000) - 1_000_000 == 16_250)
        #expect(dram.read(line: nextRow + 5, at: 2_000_000) - 2_000_000 == 43_750)
        #expect((dram.rowMisses, dram.rowHits, dram.rowConflicts, dram.activates) == (1, 1, 1, 2))
    }

    /// A closed-page memory precharges after each access: the second read of the same row
    /// is a miss again (30 ns), never a hit or a conflict.
    @Test func closedPageTurnsHitsAndConflictsIntoMisses() {
        var p = ddr4_3200
        p.pagePolicy = .closed
        let dram = BankedDRAM(p)
        #expect(dram.read(line: 5, at: 0) == 30_000)
        #expect(dram.read(line: 6, at: 1_000_000) - 1_000_000 == 30_000)
        #expect(dram.read(line: nextRow, at: 2_000_000) - 2_000_000 == 30_000)
        #expect(dram.rowMisses == 3)
    }

    /// Five reads at time 0 to five idle banks of one rank, the first four in four bank
    /// groups: ACTs at 0, 4, 8 and 12 cycles (tRRD_S), RDs at 22, 26, 30 and 34; the fifth
    /// ACT waits for tFAW (34 cycles after the first), and one more cycle because the
    /// command bus carries the fourth RD at 34; its RD at 57 would put its data at 79, off
    /// the burst grid with the others' bursts near (`BankedDRAM.gridReach`), so the RD is at
    /// 58 and the data ends at 80 + 4 = 84 cycles, 52.5 ns. With tFAW no longer than four
    /// tRRD_S it would end at 16 + 48 = 64 (data at 60, on the grid).
    @Test func tFAWLimitsARankToFourActivates() {
        func fifth(_ p: DRAMParameters) -> Tick {
            let dram = BankedDRAM(p)
            for g in 0 ..< 4 { _ = dram.read(line: UInt64(g) * 128, at: 0) }
            return dram.read(line: 4 * 128, at: 0)
        }
        #expect(fifth(ddr4_3200) == 84 * 625)
        var loose = ddr4_3200
        loose.tFAW = 16
        #expect(fifth(loose) == 64 * 625)
    }

    /// Random reads at 90% of the data bus's peak: no rank ever has five ACTs within tFAW
    /// (34 cycles), in the windows that hold ACTs placed before and after a new one too (the
    /// check once looked only at the window ending at the new ACT and the one starting there).
    @Test func noRankHasFiveActivatesInAnyTFAWWindow() {
        let dram = BankedDRAM(ddr4_3200)
        var random = RandomStream(seed: 3, path: "tfaw")
        func mostInAWindow(rank r: Int) -> Int {
            let base = dram.calendars.base
            var most = 0
            for c in base ..< base + 16_384 where dram.calendars.any(dram.actRank(r), from: c, to: c) {
                most = max(most, dram.calendars.count(dram.actRank(r), from: c, to: c + 34 - 1, limit: 8))
            }
            return most
        }
        var time: Tick = 0
        for i in 0 ..< 3_000 {
            time += 4 * 625 * 10 / 9
            _ = dram.read(line: random.next(below: 1 << 22), at: time)
            if i % 100 == 99 {
                #expect(mostInAWindow(rank: 0) <= 4 && mostInAWindow(rank: 1) <= 4, "after \(i + 1) reads")
            }
        }
        #expect(dram.activates > 1_000)
    }

    /// Rank 0 refreshes every tREFI (7.8 us, first at 7.8 us) for tRFC (350 ns), rank 1 half
    /// an interval later: a read arriving as rank 0's refresh starts waits it out (350 + 30 ns), the next
    /// one after it does not (a row hit, 16.25 ns plus 2 cycles: the read before's burst ended
    /// 32 cycles earlier, so its data goes on the burst grid, at 22 + 2 cycles), a read of
    /// rank 1 then is not stalled, and the refresh closed the row the first had opened.
    @Test func refreshStallsARankForTRFCEveryTREFI() {
        let dram = BankedDRAM(ddr4_3200)
        let tREFI: Tick = 12_480 * 625
        _ = dram.read(line: 7, at: 1_000_000)                                      // opens row 0 of bank 0, rank 0
        // Bank 0's row is still open: PRE, tRP, then REF for tRFC; the read is a miss after it.
        #expect(dram.read(line: 7, at: tREFI) - tREFI == 13_750 + 350_000 + 30_000)
        #expect(dram.read(line: 8, at: tREFI + 400_000) - (tREFI + 400_000) == 16_250 + 2 * 625)
        let rank1: UInt64 = 128 * 16                                                // the rank bit above the banks
        #expect(dram.read(line: rank1, at: tREFI) - tREFI == 30_000)
        #expect(dram.read(line: 9, at: 2 * tREFI + 100_000) - (2 * tREFI + 100_000) == 13_750 + 250_000 + 30_000)
        #expect(dram.refreshes(rank: 0, by: 10 * 12_480) == 10)
        #expect(dram.refreshes(rank: 1, by: 10 * 12_480) == 9)       // at 1.5, 2.5, ... 9.5 intervals
    }

    /// A row hit arriving after a conflict in its bank is served before the conflict's PRE.
    /// Row X of bank 0 read at cycle 0 (ACT 0, RD 22); row Y at cycle 1 (PRE at 52 = tRAS,
    /// ACT 74, RD 98: at 96 its data would start at 118, off the burst grid with X's burst
    /// near, so 120, ending at 124); row X again at cycle 2: its RD fits inside X's interval at 30 (tCCD_L
    /// after the first RD, 30 + tRTP <= 52), data ends at 56: 54 cycles, 33.75 ns, a hit. The
    /// same request arriving at cycle 45 finds no slot there (45 + tRTP > 52): a conflict
    /// behind Y (PRE at 126 = Y's ACT + tRAS, ACT 148, RD 170, end 196).
    @Test func aRowHitArrivingAfterAConflictIsServedBeforeItsPrecharge() {
        for (arrival, end, hits) in [(UInt64(2), UInt64(56), UInt64(1)), (45, 196, 0)] {
            let dram = BankedDRAM(ddr4_3200)
            _ = dram.read(line: 0, at: 0)
            #expect(dram.read(line: nextRow, at: 625) == 124 * 625)
            #expect(dram.read(line: 1, at: Tick(arrival) * 625) == Tick(end) * 625)
            #expect((dram.rowHits, dram.rowMisses, dram.rowConflicts) == (hits, 1, 2 - hits))
        }
    }

    /// A refresh that comes due (rank 0, cycle 12,480) while a read placed before it still
    /// holds a bank open waits for that bank's PRE (12,522 = its ACT at 12,470 + tRAS): a read
    /// to another bank of the rank arriving at 12,480 activates after the REF (tRP) and tRFC,
    /// at 13,104 (420 ns: 26.25 ns to the PRE, 13.75 + 350 + 30). A read to a third bank
    /// placed afterwards but arriving at 12,465 is not held back: its ACT there leaves its bank
    /// free to precharge by 12,522 (12,465 + tRAS), so it is a miss, ACT 12,465, its RD at
    /// 12,487 (tRCD) but for the bus: data at 12,509 would be off the burst grid, one cycle
    /// short of the first read's burst (12,514-12,517), so it follows that burst (RD 12,496,
    /// tCCD_S after 12,492): data ends at 12,522, 57 cycles (35.625 ns).
    @Test func aRefreshWaitsForCommandsPlacedPastItsDueTime() {
        let dram = BankedDRAM(ddr4_3200)
        #expect(dram.read(line: 0, at: 12_470 * 625) - 12_470 * 625 == 30_000)
        #expect(dram.read(line: 256, at: 12_480 * 625) - 12_480 * 625 == 420_000)      // bank group 2
        #expect(dram.read(line: 128, at: 12_465 * 625) - 12_465 * 625 == 57 * 625)     // bank group 1
    }

    /// A 4 KiB fill under the presets' mapping (bank group below the column) on an idle
    /// channel is one burst train: ACTs to the four bank groups' banks at 0, 4, 8 and 12
    /// cycles (tRRD_S), line i's WR at 22 + 4i (tRCD, then tCCD_S; each group's WRs 16 apart,
    /// over tCCD_L), so the data bus is full from 38 (tCWL 16) to 294 cycles. Summed waits
    /// from arrival to each line's data end: sum over i of 42 + 4i = 10,752 cycles.
    @Test func aBlockFillIsOneBurstTrain() {
        var p = ddr4_3200
        p.mapping = [.row, .rank, .bank, .column, .bankgroup, .channel]
        let dram = BankedDRAM(p)
        dram.fill(from: 0, count: 64, at: 0)
        #expect((dram.writes, dram.writesIssued) == (64, 64))
        #expect((dram.activates, dram.rowMisses, dram.rowHits, dram.rowConflicts) == (4, 4, 60, 0))
        #expect(dram.writeWait == 10_752 * 625)
        #expect(dram.channelBusy[0] == 256)
        // A read to group 0's bank arriving with the fill waits for the train: its RD follows
        // the last WR (274) by tCCD_S and the write-to-read turnaround from the end of
        // group 3's last data (294) by tWTR_S, at 298; a row hit, its data ends at 324.
        #expect(dram.read(line: 64, at: 0) == 324 * 625)
    }

    /// Writes wait until a read's time passes their arrival; 24 arrived writes (the high
    /// watermark) drain to 8 in one drain, to open rows first.
    @Test func writesDrainBetweenTheWatermarks() {
        let dram = BankedDRAM(ddr4_3200)
        for i in 0 ..< 24 { dram.writeback(line: UInt64(i), at: Tick(i) * 1_000) }
        #expect(dram.writesIssued == 0)
        _ = dram.read(line: nextRow * 3, at: 100_000)
        #expect(dram.drains == 1)
        #expect(dram.writesIssued >= 16)
        #expect(dram.writesIssued <= 17, "a drain down to 8, then at most one write in the idle bus before the read")
        #expect(dram.rowHits == dram.writesIssued - 1, "the writes share one row: one miss, then hits")
        #expect(dram.rowConflicts == 1, "the read, to another row of the same bank")
    }

    /// XOR bank hashing spreads two rows that share a bank without it over two banks: the
    /// second read is a miss in another bank, not a conflict.
    @Test func xorBankHashTurnsARowConflictIntoAMiss() {
        var p = ddr4_3200
        p.xorBankHash = true
        let dram = BankedDRAM(p)
        _ = dram.read(line: 0, at: 0)
        #expect(dram.read(line: nextRow, at: 1_000_000) - 1_000_000 == 30_000)
        #expect(dram.rowConflicts == 0)
    }

    /// Energy by DRAMPower's method for one ACT-PRE and one read, over a run too short to
    /// refresh: ACT = VDD (IDD0 tRC - (IDD3N tRAS + IDD2N (tRC - tRAS))) per device, eight
    /// devices; read = VDD (IDD4R - IDD3N) tBurst.
    @Test func energyFollowsTheIDDCurrents() {
        let dram = BankedDRAM(ddr4_3200)
        _ = dram.read(line: 0, at: 0)
        let e = dram.energy(over: 1_000_000)
        let ns = 1e3   // ps per ns; mA * V * ps = fJ, / 1e6 = nJ
        let act = 1.2 * 8 * (57 * 46.25 - (52 * 32.5 + 37 * 13.75)) * ns / 1e6
        let read = 1.2 * 8 * (168 - 52) * 2.5 * ns / 1e6
        #expect(abs(e.activate - act) < 1e-9, "\(e.activate) against \(act)")
        #expect(abs(e.read - read) < 1e-9, "\(e.read) against \(read)")
        #expect(e.refresh == 0)
    }
}
