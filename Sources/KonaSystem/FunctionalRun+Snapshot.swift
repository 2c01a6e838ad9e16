import KonaHardware

// The functional model's counts in a detailed window's terms, for the sampled run's
// regression estimates (`SampledRun.estimates`).
extension FunctionalRun {
    /// The functional model's counts now, in the fields a detailed window's snapshot has for
    /// them: accesses applied, the FPGA's requests, FMem hits, fetches and evictions (the
    /// paging home's faults, write-protect faults, pages read and evicted), dirty lines
    /// written back and network bytes. No time, latency or instructions: the model has none.
    public var snapshot: WindowSnapshot {
        var s = WindowSnapshot()
        s.accesses = system.accesses
        for (name, value) in system.counts {
            switch name {
            case "fpga.requests": s.requests = value
            case "fpga.fmem.hits": s.hits = value
            case "fpga.fetches", "paging.page_ins": s.fetches = value
            case "fpga.evictions", "paging.evictions": s.evictions = value
            case "paging.faults": s.faults = value
            case "paging.wp_faults": s.wpFaults = value
            case "fpga.dirty_lines_written_back", "paging.dirty_lines_written_back": s.dirtyLinesWrittenBack = value
            case "net.bytes_read": s.bytesRead = value
            case "net.bytes_written": s.bytesWritten = value
            default: break
            }
        }
        return s
    }
}
