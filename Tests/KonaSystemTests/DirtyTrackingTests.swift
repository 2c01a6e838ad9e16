#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
@testable import KonaSystem
import KonaWorkloads

/// The shadow dirty trackers measure the system: one tracker per granularity over every
/// core's data accesses in issue order, intervals counted in system accesses.
@Suite struct DirtyTrackingTests {
    private func amplification(_ r: Report, _ g: String) -> Double { r.value("tracker.amplification.\(g)")!.asDouble }

    @Test func aPageWrittenByFourCoresIsWrittenBackOnce() throws {
        // Each of four cores stores 8 bytes to its own word of the same 1,000 pages: 32
        // distinct bytes per page. A 4 KiB tracker writes each page once: 4096 / 32 = 128x
        // (per-core trackers summed would report 512x); a 64 B tracker writes the one line
        // per page once: 64 / 32 = 2x.
        let streams = (0..<4).map { c in (0..<1000).map { store(UInt64($0) * 4096 + UInt64(c) * 8) } }
        let (_, r) = try runCoherent(streams, ["stats.dirty_interval=100000"])
        #expect(amplification(r, "64B") == 2)
        #expect(amplification(r, "4KiB") == 128)
        #expect(integer(r, "tracker.modified_bytes") == 4 * 1000 * 8)
        #expect(integer(r, "tracker.records") == 4000)
    }

    @Test func oneWordPerPageOverFourCoresStillGivesEightAnd512() throws {
        // Each core stores one 8-byte word in each of its own 750 pages.
        let streams = (0..<4).map { c in (0..<750).map { store(UInt64(c * 750 + $0) * 4096 + 8) } }
        let (_, r) = try runCoherent(streams, ["stats.dirty_interval=1000"])
        #expect(amplification(r, "64B") == 8)
        #expect(amplification(r, "4KiB") == 512)
        #expect(integer(r, "tracker.modified_bytes") == 3000 * 8)
    }

    @Test func fourCoresAndOneCoreAgreeOnTheSameAggregatePattern() throws {
        // 80,000 uniform 8-byte accesses (30% stores) over 64 MiB, issued by 4 cores x 20,000
        // or by 1 core x 80,000: the system sees the same kind of stream either way.
        func run(cores: Int, accesses: Int) throws -> Report {
            let c = try coherentConfig(["workload.kind=uniform", "system.cores_per_socket=\(cores)",
                                        "workload.accesses=\(accesses)", "workload.footprint=64MiB"])
            return try Simulation(config: c).run()
        }
        let four = try run(cores: 4, accesses: 20_000), one = try run(cores: 1, accesses: 80_000)
        for g in ["64B", "4KiB", "2MiB"] {
            let a = amplification(four, g), b = amplification(one, g)
            #expect(abs(a - b) / b < 0.03, "\(g): 4 cores \(a)x, 1 core \(b)x")
        }
        #expect(integer(four, "tracker.records") == 80_000 && integer(one, "tracker.records") == 80_000)
    }

    @Test func intervalsCountSystemAccessesInIssueOrder() throws {
        // Both cores issue a store at 0 ns and another at 1 ns. With intervals of 2 system
        // accesses, the first interval holds both first stores (one line, 16 bytes: 64 B
        // written) and the second both second stores (two lines, 16 bytes: 128 B): 192 / 32 =
        // 6x. Per-core intervals would pair each core's own stores: 2 x 128 / 32 = 8x.
        let streams = [[store(0), store(4096)], [store(8), store(8192)]]
        let (_, r) = try runCoherent(streams, ["stats.dirty_interval=2"])
        #expect(amplification(r, "64B") == 6)
        #expect(integer(r, "tracker.records") == 4)
    }

    @Test func aLackeyModifyIsOneAccessInOneInterval() throws {
        // ` M 0,8` then ` S 8,8` with an interval of 1: each record is its own interval, so
        // line 0 is written twice for 16 modified bytes (8x), as ` S 0,8` / ` S 8,8` gives.
        func run(_ text: String) throws -> Report {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("konasim-\(UUID().uuidString).lackey").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let c = try coherentConfig(["stats.dirty_interval=1"])
            return try Simulation(config: c, sources: [LackeyTraceReader(path: path)]).run()
        }
        let modify = try run(" M 0,8\n S 8,8\n"), stores = try run(" S 0,8\n S 8,8\n")
        #expect(amplification(modify, "64B") == 8)
        #expect(amplification(stores, "64B") == 8)
        #expect(integer(modify, "tracker.records") == 2)
    }

    @Test func theTrackersCountOnlyWhatTheCoresIssued() throws {
        // Sequential 24-byte stores with --accesses 100: the cores issue 100 line pieces (an
        // access crossing a line is two), so about 80 records; the trackers see exactly those
        // pieces' bytes, nothing read ahead.
        let c = try coherentConfig(["workload.kind=sequential", "workload.access_size=24B", "workload.store_fraction=1",
                                    "workload.accesses=1000", "system.cores_per_socket=1", "run.max_accesses=100"])
        let r = try Simulation(config: c).run()
        var pieces = 0, bytes: UInt64 = 0, records = 0, address: UInt64 = 0
        while pieces < 100 {
            records += 1
            var left: UInt64 = 24
            while left > 0 && pieces < 100 {
                let piece = min(left, 64 - address % 64)
                bytes += piece
                address += piece
                left -= piece
                pieces += 1
            }
        }
        #expect(integer(r, "accesses") == 100)
        #expect(integer(r, "tracker.modified_bytes") == bytes, "issued pieces hold \(bytes) bytes")
        #expect(integer(r, "tracker.records") == UInt64(records), "\(records) records issued")
    }

    @Test func aTimeLimitStopsTheTrackersWhereItStopsTheCores() throws {
        // Sequential 8-byte stores (every byte distinct) cut off at 20 us.
        let c = try coherentConfig(["workload.kind=sequential", "workload.store_fraction=1", "workload.accesses=100000",
                                    "system.cores_per_socket=1", "run.max_time=20us"])
        let r = try Simulation(config: c).run()
        #expect(integer(r, "accesses") < 100_000)
        #expect(integer(r, "tracker.records") == integer(r, "accesses"))
        #expect(integer(r, "tracker.modified_bytes") == 8 * integer(r, "accesses"))
    }
}
