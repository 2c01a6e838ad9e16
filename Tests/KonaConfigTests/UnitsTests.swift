import Testing
@testable import KonaConfig

@Suite struct UnitsTests {
    @Test(arguments: [("32KiB", UInt64(32_768)), ("1MiB", 1_048_576), ("64B", 64), ("64", 64), ("4 MiB", 4_194_304),
                      ("1.5KiB", 1536), ("2GiB", 2_147_483_648), ("1KB", 1000), ("12.5MB", 12_500_000), ("1_024", 1024)])
    func parsesSize(_ text: String, _ bytes: UInt64) throws {
        #expect(try Units.bytes(text) == bytes)
    }

    @Test(arguments: [("70ns", UInt64(70_000)), ("3us", 3_000_000), ("1.5ms", 1_500_000_000), ("500ps", 500),
                      ("0.25ns", 250), ("2s", 2_000_000_000_000), ("0s", 0)])
    func parsesTime(_ text: String, _ ps: UInt64) throws {
        #expect(try Units.duration(text) == ps)
    }

    @Test(arguments: [("2.4GHz", UInt64(2_400_000_000)), ("400MHz", 400_000_000), ("100kHz", 100_000), ("1Hz", 1)])
    func parsesFrequency(_ text: String, _ hz: UInt64) throws {
        #expect(try Units.frequency(text) == hz)
    }

    @Test(arguments: [("100Gbps", UInt64(100_000_000_000)), ("12.5GB/s", 100_000_000_000), ("25.6GB/s", 204_800_000_000),
                      ("800MB/s", 6_400_000_000), ("1GiB/s", 8_589_934_592), ("56Gbps", 56_000_000_000)])
    func parsesBandwidth(_ text: String, _ bps: UInt64) throws {
        #expect(try Units.bandwidth(text) == bps)
    }

    @Test(arguments: [
        ("32KB/s", "unknown unit"), ("KiB", "expected a number"), ("1.2.3KiB", "malformed number"),
        ("0.5B", "not a whole number of B"), ("99999999999TiB", "too large"), ("-4KiB", "expected a number"),
    ])
    func rejectsBadSizes(_ text: String, _ fragment: String) {
        #expect { try Units.bytes(text) } throws: { error in
            (error as? Units.ParseError)?.message.contains(fragment) == true
        }
    }

    @Test(arguments: [("70", "needs a unit"), ("70 furlongs", "unknown unit 'furlongs'"), ("0.1ps", "not a whole number of ps")])
    func rejectsBadTimes(_ text: String, _ fragment: String) {
        #expect { try Units.duration(text) } throws: { error in
            (error as? Units.ParseError)?.message.contains(fragment) == true
        }
    }

    @Test func printsCanonicalForms() throws {
        #expect(Units.formatBytes(32_768) == "32KiB" && Units.formatBytes(72) == "72B" && Units.formatBytes(0) == "0B")
        #expect(Units.formatDuration(70_000) == "70ns" && Units.formatDuration(1_500_000) == "1.5us" && Units.formatDuration(0) == "0ps")
        #expect(Units.formatFrequency(2_400_000_000) == "2.4GHz")
        #expect(Units.formatBandwidth(204_800_000_000) == "25.6GB/s")
        #expect(Units.formatBytes(try! Units.bytes("1.5MiB")) == "1536KiB")
        for bps: UInt64 in [1_000_000_001, 100_000_000_000, 12_345] {
            #expect(try Units.bandwidth(Units.formatBandwidth(bps)) == bps, "\(Units.formatBandwidth(bps))")
        }
    }
}
