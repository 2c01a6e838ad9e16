import Testing
import KonaConfig
import KonaEngine
import KonaHardware
import KonaWorkloads
@testable import KonaSystem

/// The paging model on the test system of `coherentConfig` (1 GHz cores): the first MiB is
/// remote, paged in 4 KiB pages over the same network as `konaOverrides`.
let pagingOverrides = ["fpga.range.size=1MiB", "remote.mechanism=paging",
                       "net.latency=1us", "net.bandwidth=64Gbps", "net.header_bytes=64B", "net.mtu=4KiB",
                       "remote.latency=100ns", "remote.bandwidth=512Gbps",
                       "paging.fault_latency=2us", "paging.map_latency=500ns", "paging.wp_fault_latency=1us",
                       "paging.shootdown.latency=2us", "paging.shootdown.per_core=500ns", "paging.shootdown.handler=1us"]

private func dependent(_ access: MemoryAccess) -> MemoryAccess {
    var a = access
    a.dependent = true
    return a
}

private func real(_ r: Report, _ name: String) -> Double { r.value(name)?.asDouble ?? .nan }

@Suite struct PagingTests {
    /// An idle page fault: the software path (2 us), the page's RDMA read (request 64 B in
    /// 8 ns + 1 us; the node reads the 4 KiB packet, 64 ns + 100 ns; back 4,160 B in 520 ns
    /// + 1 us: 2,692 ns), the mapping (500 ns), then the retried access misses to the page
    /// cache in local DRAM like a local miss without the tag lookups (197 - 16 = 181 ns).
    static let faultedLoad: Tick = 2_000_000 + 2_692_000 + 500_000 + 181_000

    @Test func aFaultCostsTheSoftwarePathTheReadAndTheMapping() throws {
        let (s, r) = try runCoherent([[load(0)]], pagingOverrides)
        #expect(s.cores[0].latencySum == Self.faultedLoad, "got \(s.cores[0].latencySum) ps")
        #expect(integer(r, "paging.faults") == 1 && integer(r, "paging.page_ins") == 1 && integer(r, "paging.wp_faults") == 0)
        #expect(integer(r, "net.reads") == 1 && integer(r, "net.writes") == 0)
        #expect(integer(r, "memory.writes") == 64, "the page is written into local DRAM as it arrives")
        #expect(real(r, "paging.fault_latency_ns.max") == 5192, "trap to retry")
        #expect(s.fpgaLink == nil && integer(r, "fabric.request.messages") == 2, "resident remote lines are reached over the socket's fabric")
        // A second line of the same page is then an ordinary local-DRAM miss.
        let (s2, _) = try runCoherent([[load(0), dependent(load(64))]], pagingOverrides)
        #expect(s2.cores[0].latencySum == Self.faultedLoad + 197_000)
    }

    @Test func eachSoftwareCostIsChargedOnce() throws {
        // Raising the fault path by 1 us and the mapping by 250 ns adds exactly 1.25 us.
        let (s, _) = try runCoherent([[load(0)]], pagingOverrides + ["paging.fault_latency=3us", "paging.map_latency=750ns"])
        #expect(s.cores[0].latencySum == Self.faultedLoad + 1_250_000)
    }

    @Test func theFirstStoreToACleanPageTakesAWriteProtectFault() throws {
        // The load maps the page read-only and gets line 0 in E; the store to it traps for
        // exactly the write-protect fault's 1 us, then writes the E line.
        let (s, r) = try runCoherent([[load(0), dependent(store(0)), dependent(store(8))]], pagingOverrides)
        #expect(integer(r, "paging.wp_faults") == 1 && integer(r, "paging.faults") == 1)
        #expect(s.cores[0].latencySum == Self.faultedLoad + 1_000_000 + 4_000, "then an L1 hit (4 ns) on the M line")
        #expect(real(r, "paging.wp_fault_time_ns") == 1000)
        // A store that faults maps its page writable: no write-protect fault follows.
        let (_, r2) = try runCoherent([[store(0), dependent(store(64))]], pagingOverrides)
        #expect(integer(r2, "paging.wp_faults") == 0 && integer(r2, "paging.faults") == 1)
    }

    /// Two frames: the second page's read fills the page cache above the high watermark, so
    /// the first page is evicted under one shootdown.
    static let twoFrames = pagingOverrides + ["paging.capacity=8KiB"]

    @Test func aDirtyEvictionShootsDownRecallsAndWritesTheWholePage() throws {
        let (s, r) = try runCoherent([[store(0), dependent(load(4096))]], Self.twoFrames)
        #expect(integer(r, "paging.faults") == 2 && integer(r, "paging.evictions") == 1)
        #expect(integer(r, "paging.shootdowns") == 1 && integer(r, "paging.shootdown_ipis") == 1, "cpu0 mapped the page")
        #expect(integer(r, "paging.lines_written_back") == 64 && integer(r, "paging.dirty_lines_written_back") == 1)
        // One write: the page and its descriptor (16 B) exceed the 4 KiB MTU, so two packets.
        #expect(integer(r, "net.writes") == 1 && integer(r, "net.bytes_written") == 4096 + 16 + 2 * 64)
        #expect(s.complexes[0].controller.state(0) == .I, "the page's lines were recalled from the caches")
        // The shootdown's cost is exactly what is configured: 1 us more of fixed cost and
        // 1 us more per core make the eviction 2 us longer.
        let (_, r2) = try runCoherent([[store(0), dependent(load(4096))]],
                                      Self.twoFrames + ["paging.shootdown.latency=3us", "paging.shootdown.per_core=1500ns"])
        #expect(real(r2, "paging.eviction_latency_ns.max") - real(r, "paging.eviction_latency_ns.max") == 2000)
    }

    @Test func aCleanEvictionWritesNothing() throws {
        let (_, r) = try runCoherent([[load(0), dependent(load(4096))]], Self.twoFrames)
        #expect(integer(r, "paging.evictions") == 1 && integer(r, "paging.shootdowns") == 1)
        #expect(integer(r, "paging.lines_written_back") == 0 && integer(r, "net.writes") == 0)
    }

    @Test func aFaultOnAPageBeingWrittenBackIsMinor() throws {
        // Page 1's read evicts the dirty page 0; the load of page 0 after it finds the page
        // still in its frame (its write-back in flight): mapped again, not read again.
        let (_, r) = try runCoherent([[store(0), dependent(load(4096)), dependent(load(64))]], Self.twoFrames)
        #expect(integer(r, "paging.faults") == 2 && integer(r, "paging.minor_faults") == 1)
        #expect(integer(r, "paging.page_ins") == 2 && integer(r, "net.reads") == 2)
        #expect(integer(r, "paging.lines_written_back") == 64, "the write-back still goes out")
        #expect(real(r, "paging.minor_fault_time_ns") >= 2500, "the fault path and the mapping (2.5 us) at least")
    }

    @Test func aShootdownDuringAFaultKeepsTheStallCountedSoFar() throws {
        // cpu0 faults on page 1; its read evicts page 0, which cpu0 mapped: the shootdown
        // interrupts cpu0 while it waits. It is stalled for the whole of both faults.
        let (s, r) = try runCoherent([[store(0), dependent(load(4096))]], Self.twoFrames)
        #expect(integer(r, "paging.shootdown_ipis") == 1)
        let stalled = Double(s.cores[0].stallTime) / 1000, faulting = real(r, "paging.fault_time_ns")
        #expect(stalled >= faulting, "stalled \(stalled) ns of \(faulting) ns in faults")
    }

    @Test func onlyTheFaultingCoreStalls() throws {
        // cpu1 runs ten dependent local misses while cpu0 faults: it takes as long as alone.
        let chain = (0..<10).map { dependent(load(2 << 20 + UInt64($0) * 4096)) }
        let (s, _) = try runCoherent([[load(0)], chain], pagingOverrides)
        let (alone, _) = try runCoherent([[], chain], pagingOverrides)
        #expect(s.cores[1].latencySum == alone.cores[1].latencySum)
        #expect(s.cores[0].latencySum == Self.faultedLoad)
        // Within cpu0, the access after the faulting one waits for the fault: a fault is
        // precise, so an independent local load issues only after it.
        let (s2, _) = try runCoherent([[load(0), load(2 << 20)]], pagingOverrides)
        #expect(s2.cores[0].lastCompletion >= Self.faultedLoad + 197_000)
    }

    @Test func aShootdownReachesEveryCoreThatMappedThePage() throws {
        // cpu0-2 fault on page 0 together (one read; cpu1 and cpu2 wait for it); cpu3 first
        // runs 40 dependent local misses (about 8 us), then faults on page 1, whose read
        // evicts page 0: one shootdown interrupting the three cores that mapped it.
        let chain = (0..<40).map { dependent(load(2 << 20 + UInt64($0) * 4096)) }
        let (_, r) = try runCoherent([[load(0)], [load(64)], [load(128)], chain + [dependent(load(4096))]], Self.twoFrames)
        #expect(integer(r, "paging.faults") == 4 && integer(r, "paging.page_ins") == 2)
        #expect(integer(r, "paging.shootdowns") == 1 && integer(r, "paging.shootdown_ipis") == 3)
        // Its cost: 2 us + 3 x 0.5 us before the recall starts.
        #expect(real(r, "paging.eviction_latency_ns.min") >= 3500)
    }

    @Test func pagingRunsAreCheckedAndDeterministic() throws {
        // A small page cache under four cores' random loads and stores: every load sees the
        // latest value, every line ends with its last value, and a rerun is identical.
        let overrides = pagingOverrides + ["paging.capacity=32KiB", "workload.kind=uniform", "workload.footprint=256KiB",
                                           "workload.accesses=3000", "run.check=true", "fpga.range.size=256KiB",
                                           "paging.readahead=2"]
        let config = try coherentConfig(overrides)
        let r = try Simulation(config: config).run()
        let again = try Simulation(config: config).run()
        #expect(integer(r, "paging.evictions") > 20 && integer(r, "paging.wp_faults") > 0)
        #expect(integer(r, "paging.readahead_pages") > 0)
        #expect(r.values.map { "\($0.name)=\($0.value)" } == again.values.map { "\($0.name)=\($0.value)" })
    }
}
