import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
@testable import KonaSystem
import KonaWorkloads

/// The run loop's livelock stop (`Simulation.progressDeadline`): a run whose events go on
/// while no core issues or completes an access for 100 ms of simulated time exits 3, unless
/// no core has work left (what still runs is the memory system draining).
@Suite struct LivelockStopTests {
    @Test(arguments: ["0s", "10s"])
    func writeBacksDrainingAfterTheCoresFinishAreNoLivelock(_ maxTime: String) throws {
        // One core stores to 15 blocks of a 16-block FMem: the last miss passes the high
        // watermark and starts a background round down to the low one, 13 whole-block
        // write-backs of 4 KiB at 1 Mbit/s (33 ms each) that drain for about 430 ms after
        // the core has finished.
        let stores = (0..<15).map { store(UInt64($0) * 4096) }
        let (s, r) = try runCoherent([stores], konaOverrides + [
            "fpga.fmem.size=64KiB", "fpga.fmem.block_size=4KiB", "fpga.fmem.ways=16", "fpga.eviction.writeback=whole_block",
            "fpga.eviction.high_watermark=0.9", "fpga.eviction.low_watermark=0.1", "net.bandwidth=1Mbps", "run.max_time=\(maxTime)"])
        #expect(s.cores[0].accesses == 15)
        #expect(integer(r, "fpga.background_evictions") >= 10, "\(integer(r, "fpga.background_evictions")) background evictions")
        #expect(s.simulator.now - s.cores[0].finishTime > Simulation.progressDeadline,
                "the write-backs drain for \(s.simulator.now - s.cores[0].finishTime) ps after the core's last access")
    }

    @Test func aCoreWithWorkLeftAndNoProgressStillStops() throws {
        // The core may issue nothing before 300 ms (an interrupt handler): its accesses wait,
        // and 100 ms without one issued or completed is taken for a livelock.
        let s = Simulation(config: try coherentConfig(konaOverrides), sources: [AccessList([load(0), load(64)])])
        s.cores[0].interrupt(until: 300 * Ticks.ms)
        let error = #expect(throws: SimulationError.self) { try s.run() }
        #expect(error?.kind == .stuck, "\(String(describing: error))")
        #expect(s.cores[0].hasWorkLeft && s.cores[0].accesses == 0)
    }
}
