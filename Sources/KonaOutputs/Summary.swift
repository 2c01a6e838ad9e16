import KonaEngine
import KonaSystem

/// The human-readable summary `konasim run` prints: times, AMAT, a table of cache levels,
/// memory traffic and host speed.
public enum Summary {
    /// The summary text of `report` for a run of `simulation` configured from `configName`.
    public static func render(_ report: Report, simulation: Simulation, configName: String) -> String {
        func int(_ name: String) -> UInt64 {
            if case .integer(let v)? = report.value(name) { return v }
            return 0
        }
        func real(_ name: String) -> Double { report.value(name)?.asDouble ?? 0 }
        /// The sum of `<prefix><i><suffix>` over `count` components.
        func total(_ prefix: String, _ count: Int, _ suffix: String) -> UInt64 {
            (0..<count).reduce(0) { $0 + int("\(prefix)\($1)\(suffix)") }
        }
        func rate(_ hits: UInt64, _ all: UInt64) -> String { fixed(all == 0 ? 0 : 100 * Double(hits) / Double(all), 2) + "%" }
        let cycles = simulation.clock.cycle(at: report.simulatedTime)
        let cores = simulation.cores.count
        var lines: [String] = []
        lines.append("KonaSim \(KonaVersion.string): \(configName), seed \(simulation.config.seed)")
        lines.append("workload   \(simulation.workloadDescription)")
        lines.append("simulated  \(time(report.simulatedTime)) (\(grouped(cycles)) core cycles)"
                     + (report.stoppedAtTimeLimit ? ", stopped at run.max_time" : ""))
        if simulation.config.coherent {
            let sockets = simulation.llcs.count
            lines.append("system     \(sockets) socket\(sockets == 1 ? "" : "s") x \(cores / sockets) cores, coherent (MESI)"
                         + (simulation.checker != nil ? ", data values checked" : ""))
        }
        let instructions = total("cpu", cores, ".instructions")
        lines.append("accesses   \(grouped(report.accesses)) (\(grouped(total("cpu", cores, ".loads"))) loads, \(grouped(total("cpu", cores, ".stores"))) stores)"
                     + (instructions > 0 ? ", \(grouped(instructions)) instructions" : ""))
        if instructions > 0 {
            // The cores that ran instructions: their mean achieved IPC, and the mean of their
            // shares of cycles stalled for memory, each over its own cycles up to its last retirement.
            let running = (0..<cores).filter { int("cpu\($0).instructions") > 0 }
            let ipc = running.reduce(0.0) { $0 + real("cpu\($1).ipc") } / Double(running.count)
            let share = 100 * running.reduce(0.0) { sum, c in
                let own = simulation.clock.cycle(at: simulation.cores[c].finishTime)
                return sum + (own == 0 ? 0 : Double(int("cpu\(c).stall_cycles.memory")) / Double(own))
            } / Double(running.count)
            lines.append("cores      IPC \(fixed(ipc, 2))\(running.count > 1 ? " (mean of \(running.count) cores)" : running == [0] && cores > 1 ? " (cpu0)" : ""), "
                         + "stalled for memory \(fixed(share, 1))% of cycles")
        }
        lines.append("AMAT       \(fixed(real("amat_ns"), 2)) ns; \(cores > 1 ? "cpu0's " : "")L1 misses wait p50 \(fixed(real("cpu0.miss_latency_ns.p50"), 1)) ns, p99 \(fixed(real("cpu0.miss_latency_ns.p99"), 1)) ns")
        lines.append("")
        if simulation.config.coherent {
            let sockets = simulation.llcs.count
            lines.append(pad("level", 6) + lpad("accesses", 12) + lpad("hits", 12) + lpad("misses", 12) + lpad("hit rate", 10))
            for (label, suffix) in [("L1D", ".l1d"), ("L2", ".l2")] {
                let hits = total("cpu", cores, suffix + ".hits"), misses = total("cpu", cores, suffix + ".misses")
                lines.append(pad(label, 6) + lpad(grouped(hits + misses), 12) + lpad(grouped(hits), 12)
                             + lpad(grouped(misses), 12) + lpad(rate(hits, hits + misses), 10))
            }
            let requests = total("llc", sockets, ".requests"), misses = total("llc", sockets, ".misses")
            lines.append(pad("LLC", 6) + lpad(grouped(requests), 12) + lpad(grouped(requests - misses), 12)
                         + lpad(grouped(misses), 12) + lpad(rate(requests - misses, requests), 10))
            lines.append("coherence  \(grouped(total("cpu", cores, ".upgrades"))) upgrades, \(grouped(total("cpu", cores, ".snoops"))) snoops to cores, "
                         + "\(grouped(total("cpu", cores, ".evictions"))) core evictions, \(grouped(total("llc", sockets, ".replacements"))) LLC replacements (back-invalidating)")
            let channels = ["request", "snoop", "response", "data"]
            func busy(_ path: String) -> String {
                channels.map { "\($0) \(fixed(100 * real("\(path).\($0).utilization"), 1))%" }.joined(separator: ", ")
            }
            lines.append("fabric     busy " + busy(sockets == 1 ? "fabric" : "fabric0") + (sockets == 1 ? "" : " (socket 0)"))
            if simulation.socketLink != nil { lines.append("sockets    link busy " + busy("link.socket")) }
            if simulation.fpgaLink != nil { lines.append((simulation.cxl != nil ? "CXL home   busy " : "FPGA link  busy ") + busy("link.fpga")) }
        } else {
            lines.append(pad("level", 6) + lpad("accesses", 12) + lpad("hits", 12) + lpad("misses", 12) + lpad("hit rate", 10)
                         + lpad("merged", 10) + lpad("writebacks", 12))
            for (label, path) in [("L1D", "cpu0.l1d"), ("L2", "cpu0.l2")] {
                lines.append(pad(label, 6) + lpad(grouped(int(path + ".accesses")), 12) + lpad(grouped(int(path + ".hits")), 12)
                             + lpad(grouped(int(path + ".misses")), 12) + lpad(fixed(100 * real(path + ".hit_rate"), 2) + "%", 10)
                             + lpad(grouped(int(path + ".mshr_merges")), 10) + lpad(grouped(int(path + ".writebacks")), 12))
            }
        }
        if simulation.fpga != nil || simulation.paging != nil || simulation.cxl != nil {
            let remote = int("accesses.remote")
            lines.append("remote     \(grouped(remote)) accesses (\(fixed(report.accesses == 0 ? 0 : 100 * Double(remote) / Double(report.accesses), 1))%), "
                         + "AMAT local \(fixed(real("amat.local_ns"), 2)) ns, remote \(fixed(real("amat.remote_ns"), 2)) ns")
        }
        if simulation.cxl != nil {
            lines.append("CXL        link M2S \(grouped(int("cxl.link.m2s.flits"))) flits (busy \(fixed(100 * real("cxl.link.m2s.utilization"), 1))%), "
                         + "S2M \(grouped(int("cxl.link.s2m.flits"))) flits (busy \(fixed(100 * real("cxl.link.s2m.utilization"), 1))%); "
                         + "BISnp \(grouped(int("cxl.bisnp.inv") + int("cxl.bisnp.data") + int("cxl.bisnp.cur"))), "
                         + "\(grouped(int("cxl.conflicts"))) conflicts; snoop filter \(grouped(int("cxl.snoop_filter.capacity_evictions"))) capacity "
                         + "and \(grouped(int("cxl.snoop_filter.fmem_evictions"))) FMem evictions")
        }
        if simulation.fpga != nil || simulation.cxl != nil {
            lines.append("FMem       hit rate \(fixed(100 * real("fpga.fmem.hit_rate"), 2))% of \(grouped(int("fpga.requests"))) requests, "
                         + "\(grouped(int("fpga.fetches"))) fetches, \(grouped(int("fpga.evictions"))) evictions "
                         + "(p50 \(fixed(real("fpga.eviction_latency_ns.p50"), 0)) ns), occupancy \(fixed(100 * real("fpga.fmem.occupancy"), 1))%")
        }
        if simulation.paging != nil {
            lines.append("paging     \(grouped(int("paging.faults"))) faults (p50 \(fixed(real("paging.fault_latency_ns.p50"), 0)) ns, "
                         + "p99 \(fixed(real("paging.fault_latency_ns.p99"), 0)) ns), \(grouped(int("paging.page_ins"))) pages read, "
                         + "\(grouped(int("paging.wp_faults"))) write-protect faults, \(grouped(int("paging.evictions"))) evictions, "
                         + "\(grouped(int("paging.shootdowns"))) shootdowns (\(grouped(int("paging.shootdown_ipis"))) interrupts), "
                         + "occupancy \(fixed(100 * real("paging.occupancy"), 1))%")
        }
        if let prefix = simulation.fpga != nil || simulation.cxl != nil ? "fpga" : simulation.paging != nil ? "paging" : nil {
            lines.append("network    \(bytes(int("net.bytes_read"))) read, \(bytes(int("net.bytes_written"))) written, "
                         + "link busy \(fixed(100 * real("net.link_utilization"), 1))%, goodput "
                         + (int(prefix + ".lines_written_back") == 0 ? "- " : "\(fixed(real("net.goodput"), 3)) ")
                         + "(\(grouped(int(prefix + ".dirty_lines_written_back"))) dirty of \(grouped(int(prefix + ".lines_written_back"))) lines written back)")
        }
        if report.value("tracker.amplification.64B") != nil {
            lines.append("dirty amplification (shadow trackers)  64B \(fixed(real("tracker.amplification.64B"), 2))x, "
                         + "4KiB \(fixed(real("tracker.amplification.4KiB"), 2))x, 2MiB \(fixed(real("tracker.amplification.2MiB"), 2))x")
        }
        lines.append("DRAM  " + lpad(grouped(int("memory.reads")), 12) + " reads, \(grouped(int("memory.writes"))) writes, "
                     + "channel busy \(fixed(100 * real("memory.utilization"), 1))%")
        // Banked memories (docs/model.md, Banked DRAM): row hits and how busy the banks were.
        for (label, path) in [("DRAM banks", "memory.dram"), ("FMem banks", "fpga.fmem.dram")] where report.value(path + ".row_hit_rate") != nil {
            lines.append(pad(label, 11) + "row hits \(fixed(100 * real(path + ".row_hit_rate"), 1))%, "
                         + "bank utilization \(fixed(100 * real(path + ".bank_utilization"), 1))%, "
                         + "reads mean \(fixed(real(path + ".read_latency.mean"), 1)) ns, p99 \(fixed(real(path + ".read_latency.p99"), 1)) ns, "
                         + "\(grouped(int(path + ".refreshes"))) refreshes, \(fixed(real(path + ".energy.total") / 1e6, 3)) mJ")
        }
        lines.append("")
        let rate = report.hostSeconds > 0 ? Double(report.accesses) / report.hostSeconds : 0
        lines.append("host       \(fixed(report.hostSeconds, 2)) s, \(fixed(rate / 1e6, 2)) M accesses/s, \(grouped(report.events)) events")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `t` picoseconds in a readable unit (`1.234 ms`).
    public static func time(_ t: Tick) -> String {
        let d = Double(t)
        if t >= Ticks.s { return fixed(d / 1e12, 3) + " s" }
        if t >= Ticks.ms { return fixed(d / 1e9, 3) + " ms" }
        if t >= Ticks.us { return fixed(d / 1e6, 3) + " us" }
        return fixed(d / 1e3, 3) + " ns"
    }

    /// `n` bytes in a readable unit (`1.50 MiB`).
    public static func bytes(_ n: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n), u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) B" : fixed(v, 2) + " " + units[u]
    }

    /// `v` with `digits` decimals.
    public static func fixed(_ v: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let n = (v * scale).rounded()
        let negative = n < 0
        let whole = UInt64(abs(n)) / UInt64(scale)
        let frac = UInt64(abs(n)) % UInt64(scale)
        var text = String(whole)
        if digits > 0 {
            let f = String(frac)
            text += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return (negative ? "-" : "") + text
    }

    /// `v` with thousands separators (`1,000,000`).
    public static func grouped(_ v: UInt64) -> String {
        let digits = Array(String(v))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return out
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
}
