import Testing
import KonaConfig
import KonaEngine
@testable import KonaHardware
import KonaProtocol
@testable import KonaSystem
import KonaWorkloads

/// The host side of Kona on CXL (`CXLHostBridge`) in the coherent test system with the
/// device homing the first MiB (`konaOverrides`, `remote.mechanism: cxl`).
@Suite struct CXLHostBridgeTests {
    /// Two cores load lines of two blocks that share FMem's one frame. Each fetch completes
    /// one core's read, and the other core's miss, waiting for that frame, evicts the block at
    /// once: the grant (`MemData`, `Cmp-E`) and the `BISnpInv` of the eviction leave the
    /// device together. The snoop comes after the `Cmp`, so it is for the new copy, but the
    /// sockets' read the host asked for must be served first: answered at once, it left
    /// them nothing, the read was asked again, and the two cores took the frame from each
    /// other forever (the tiny-FMem livelock of docs/cxl.md).
    @Test func aSnoopArrivingWithTheGrantWaitsForTheReadItGranted() throws {
        let (s, r) = try runCoherent([[load(0)], [load(128)]], konaOverrides + [
            "remote.mechanism=cxl", "system.cores_per_socket=2", "fpga.fmem.size=128B", "fpga.fmem.block_size=128B",
            "fpga.fmem.ways=1"])
        #expect(s.cores.allSatisfy { $0.accesses == 1 && !$0.hasWorkLeft })
        #expect(integer(r, "fpga.fetches") == 2, "each block fetched once: \(integer(r, "fpga.fetches"))")
        #expect(integer(r, "cxl.bisnp.inv") == 1, "the first block's line recalled once: \(integer(r, "cxl.bisnp.inv"))")
    }
}
