import Testing
import KonaEngine
@testable import KonaHardware
import KonaProtocol

/// The paging home on its own, its cores' faults scripted: a page cache of two 4 KiB frames
/// (reclaim above one frame), a 2 us fault path, a 500 ns mapping, a 1 us write-protect
/// fault, a shootdown of 2 us + 500 ns per core, no software write-back delay, and the 1 us,
/// 64 Gb/s network of `PagingTests` (an idle page read takes 2,692 ns).
final class PagingBench: Component {
    let path = "cores"
    let simulator = Simulator()
    let stats = StatsRegistry()
    var id = ComponentID(raw: 0)
    var agent: PagingHomeAgent!
    /// Each core's retries and interrupts, with their times.
    var retries: [(core: Int, time: Tick)] = []
    var interrupts: [(core: Int, until: Tick)] = []
    private var faults: [(line: UInt64, isStore: Bool, core: Int)] = []

    static let faultLatency: Tick = 2_000_000
    static let mapLatency: Tick = 500_000
    static let pageRead: Tick = 2_692_000

    init() {
        id = simulator.register(self)
        let network = RemoteNetwork(path: "net", latency: 1_000_000, bitsPerSecond: 64_000_000_000, headerBytes: 64, mtu: 4096,
                                    sgEntryBytes: 16, maxOutstanding: 8, nodes: 1, nodeLatency: 100_000,
                                    nodeBitsPerSecond: 512_000_000_000, simulator: simulator, stats: stats,
                                    simulatedTime: { [unowned self] in self.simulator.now })
        let dram = MainMemory(path: "memory", latency: 60_000, bitsPerSecond: 0, stats: stats, simulatedTime: { 0 })
        let frames = FrameCache(sets: 1, ways: 2, linesPerBlock: 64, policy: .lru, random: RandomStream(seed: 1, path: "paging"))
        let eviction = EvictionEngine.Parameters(highWatermark: 0.5, lowWatermark: 0.5, coldestVictim: false, scan: 8,
                                                 writeback: .wholeBlockIfDirty, batchBytes: 4096, sgEntries: 16)
        let parameters = PagingHomeAgent.Parameters(pageSize: 4096, directoryLatency: 2_000, faultLatency: Self.faultLatency,
                                                    mapLatency: Self.mapLatency, wpFaultLatency: 1_000_000, writebackLatency: 0,
                                                    maxFaults: 4, readahead: 0, batch: 1, shootdownLatency: 2_000_000,
                                                    shootdownPerCore: 500_000, shootdownHandler: 1_000_000, eviction: eviction,
                                                    nodes: RemoteNodeMap(nodes: 1, striped: true, partitionSize: 1 << 30, blockSize: 4096))
        agent = PagingHomeAgent(path: "paging", index: 1, cores: 2, table: HomeProtocol.fpgaTable(ProtocolVariant()), frames: frames,
                                dram: dram, network: network, parameters: parameters,
                                lookups: LookupPort(clock: ClockDomain(hertz: 1_000_000_000), perCycle: 1),
                                outbox: TimedOutbox(toCore: nil, toLLC: [], toHome: []), simulator: simulator, stats: stats)
        agent.retry = { [unowned self] core in self.retries.append((core, self.simulator.now)) }
        agent.interrupt = { [unowned self] core, until in self.interrupts.append((core, until)) }
    }

    /// Core `core` faults on line number `line` (page `line / 64`) at `time` (after its page-table check says no).
    func fault(_ line: UInt64, isStore: Bool = false, core: Int = 0, at time: Tick) {
        faults.append((line, isStore, core))
        simulator.schedule(at: time, target: id, kind: 1, payload: UInt64(faults.count - 1))
    }

    func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        let f = faults[Int(event.payload)]
        #expect(!agent.permits(f.line, isStore: f.isStore, core: f.core), "core \(f.core) faults on line \(f.line) that it may access")
        agent.fault(f.line, isStore: f.isStore, core: f.core, at: simulator.now)
    }

    func outstandingTransactions() -> [String] { [] }

    func run(until limit: Tick = .max) throws { _ = try simulator.run(until: limit) }

    /// When core `core` retried its access (the last time).
    func retry(of core: Int) -> Tick? { retries.last { $0.core == core }?.time }
}

@Suite struct PagingHomeAgentTests {
    @Test func aMajorFaultReadsThePageAndMapsIt() throws {
        let bench = PagingBench()
        bench.fault(0, at: 0)
        try bench.run()
        #expect(bench.retry(of: 0) == PagingBench.faultLatency + PagingBench.pageRead + PagingBench.mapLatency)
        #expect(bench.agent.faults == 1 && bench.agent.pageIns == 1 && bench.agent.minorFaults == 0)
        #expect(bench.agent.permits(0, isStore: false, core: 0), "mapped")
        #expect(!bench.agent.permits(0, isStore: true, core: 0), "mapped read-only after a load's fault")
    }

    @Test func aStoreToACleanPageTakesAWriteProtectFault() throws {
        let bench = PagingBench()
        bench.fault(0, at: 0)
        bench.fault(8, isStore: true, at: 10_000_000)
        try bench.run()
        #expect(bench.retry(of: 0) == 10_000_000 + 1_000_000, "the write-protect fault's 1 us")
        #expect(bench.agent.wpFaults == 1 && bench.agent.faults == 1 && bench.agent.pageIns == 1)
        #expect(bench.agent.permits(8, isStore: true, core: 0), "writable after the write-protect fault")
    }

    /// Page 0 (dirty) is resident; core 0 faults on page 1 at 10 us, whose read (from 12 us)
    /// fills the second frame and starts page 0's reclaim: a shootdown of core 0 (done at
    /// 14.5 us), then the page's write-back (issued at 14.5 us, acknowledged about 2.7 us later).
    private func reclaimingPage0(dirty: Bool) throws -> PagingBench {
        let bench = PagingBench()
        bench.fault(0, isStore: dirty, at: 0)
        try bench.run(until: 9_000_000)
        // A modified line came home (what the directory's write-back does).
        if dirty { bench.agent.frames.setDirty(try #require(bench.agent.frames.frame(of: 0)), line: 0) }
        bench.fault(64, at: 10_000_000)
        return bench
    }

    @Test func aFaultOnAPageWhoseWriteBackIsInFlightIsMinor() throws {
        let bench = try reclaimingPage0(dirty: true)
        bench.fault(1, core: 1, at: 15_000_000)
        try bench.run()
        #expect(bench.interrupts.first?.core == 0, "page 0's shootdown")
        #expect(bench.agent.pageIns == 2 && bench.agent.faults == 2 && bench.agent.minorFaults == 1,
                "got \(bench.agent.pageIns) page-ins, \(bench.agent.faults) faults, \(bench.agent.minorFaults) minor")
        #expect(bench.agent.engine.linesWrittenBack == 64, "the write-back still goes out")
        #expect(bench.retry(of: 1) == 15_000_000 + PagingBench.faultLatency + PagingBench.mapLatency,
                "no read, no wait for the write's acknowledgement: got \(bench.retry(of: 1) ?? 0)")
        let f = try #require(bench.agent.frames.frame(of: 0))
        #expect(bench.agent.frames.states[f] == .resident && bench.agent.permits(1, isStore: false, core: 1))
        #expect(!bench.agent.permits(1, isStore: true, core: 1), "clean again: its contents were written back")
    }

    @Test func aFaultDuringTheShootdownWaitsForTheReclaimToLetGo() throws {
        // Clean, so nothing is written: the page is let go when the shootdown ends (14.5 us).
        let bench = try reclaimingPage0(dirty: false)
        bench.fault(1, core: 1, at: 13_000_000)
        try bench.run()
        #expect(bench.agent.pageIns == 2 && bench.agent.minorFaults == 1)
        #expect(bench.retry(of: 1) == 13_000_000 + PagingBench.faultLatency + PagingBench.mapLatency)
        // A fault whose software path ends before the shootdown does waits for it.
        let late = try reclaimingPage0(dirty: false)
        late.fault(1, core: 1, at: 12_200_000)
        try late.run()
        #expect(late.retry(of: 1) == 14_500_000 + PagingBench.mapLatency, "got \(late.retry(of: 1) ?? 0)")
    }
}
