/// Every configuration key KonaSim reads, with its type, default and meaning.
///
/// This list is the single source for the loader, `konasim validate --print-resolved` and
/// `docs/config.md`. Latencies of clocked parts are in cycles of their clock; everything
/// else carries its unit.
public enum KonaSchema {
    static let cacheReplacement = ValueType.choice(["lru", "fifo", "random"])

    private static func cacheKeys(_ prefix: String, size: String, ways: String, latency: String,
                                  mshrs: String) -> [ConfigKey] {
        [
            ConfigKey(prefix + ".size", .bytes(min: 64, powerOfTwo: false), default: size,
                      "Capacity. size / (ways * 64 B) is the number of sets and must be a power of two."),
            ConfigKey(prefix + ".ways", .integer(1...64), default: ways, "Associativity."),
            ConfigKey(prefix + ".latency", .integer(1...10_000), default: latency,
                      "Tag and data access time, in core cycles. A hit completes this long after issue."),
            ConfigKey(prefix + ".replacement", cacheReplacement, default: "lru",
                      "Victim choice among valid ways: lru (demand hits refresh), fifo (oldest fill), random (seeded)."),
            ConfigKey(prefix + ".mshrs", .integer(1...4096), default: mshrs,
                      "Miss status holding registers: distinct lines being fetched at once."),
            ConfigKey(prefix + ".mshr_targets", .integer(1...1024), default: "8",
                      "Requests one MSHR can hold (the allocating miss plus merged ones)."),
        ]
    }

    /// The keys of a coherent network with four channels (request, snoop, response, data).
    private static func networkKeys(_ prefix: String, what: String, latency: String, bandwidth: String) -> [ConfigKey] {
        [ConfigKey(prefix + ".header_bytes", .bytes(min: 1, powerOfTwo: false), default: "16B",
                   "Size of a message without data on the \(what); a message with a line adds 64 B.")]
        + ["request", "snoop", "response", "data"].flatMap { channel in
            [ConfigKey("\(prefix).\(channel).latency", .duration, default: latency,
                       "Time from the last byte leaving to arrival on the \(what)'s \(channel) channel."),
             ConfigKey("\(prefix).\(channel).bandwidth", .bandwidth, default: bandwidth,
                       "Bandwidth of the \(what)'s \(channel) channel (shared by all its senders; 0 for unlimited).")]
        }
    }

    /// The declared keys.
    public static let schema = ConfigSchema(keys: [
        ConfigKey("seed", .integer(0...Int64.max), default: "1",
                  "Run seed. Every random stream (generators, random replacement) derives from it and the component path."),

        ConfigKey("system.model", .choice(["coherent", "private"]), default: "coherent",
                  "coherent: cores with private L1D and L2, socket LLCs, a home agent per socket in front of its DRAM, coherent links (MESI, docs/protocol.md). private: one core, L1D -> L2 -> DRAM without coherence, timed by reservation (hit and miss counts exactly as pycachesim)."),
        ConfigKey("system.sockets", .integer(1...8), default: "1", "Sockets (coherent model), each with its cores and an LLC."),
        ConfigKey("system.cores_per_socket", .integer(1...64), default: "4",
                  "Cores per socket (coherent model). A synthetic workload runs one stream per core; a Lackey trace runs on cpu0."),
        ConfigKey("protocol.grant_exclusive", .boolean, default: "true",
                  "A read miss with no other sharer is granted E (true) or only S (false), at both levels."),
        ConfigKey("protocol.clean_eviction", .choice(["notify", "silent"]), default: "notify",
                  "Clean lines (S, E) are evicted with a notice to the directory (notify) or dropped silently (silent)."),

        ConfigKey("core.frequency", .frequency, default: "2.4GHz", "Core clock; cache latencies are in its cycles."),
        ConfigKey("core.issue_rate", .integer(1...64), default: "1", "Memory accesses the core may issue per cycle."),
        ConfigKey("core.max_outstanding", .integer(1...4096), default: "10",
                  "Accesses that may wait for data at once; the core stalls at this limit."),
    ] + cacheKeys("core.l1d", size: "32KiB", ways: "8", latency: "4", mshrs: "10")
      + cacheKeys("core.l2", size: "256KiB", ways: "8", latency: "12", mshrs: "16")
      + [
        ConfigKey("llc.size", .bytes(min: 64, powerOfTwo: false), default: "8MiB",
                  "Capacity of each socket's LLC (inclusive of its cores' caches). size / (ways * 64 B) sets, a power of two."),
        ConfigKey("llc.ways", .integer(1...64), default: "16", "LLC associativity."),
        ConfigKey("llc.latency", .integer(1...10_000), default: "40",
                  "LLC tag and directory lookup time, in core cycles; a message arriving at the LLC is answered this long after."),
        ConfigKey("llc.writeback_buffer", .integer(0...4096), default: "16",
                  "Entries of each LLC's writeback buffer: a replaced line whose cores have dropped it leaves its way for an entry while its writeback waits for the home's ack. 0: the line keeps its way until then. (Assumption: 16, a typical fill/writeback buffer size.)"),
        ConfigKey("llc.slices", .integer(0...256), default: "0",
                  "LLC slices, each with its own lookup pipeline; lines interleave over them (line number mod slices). 0: one slice per core of the socket, as Intel's ring and mesh parts have."),
        ConfigKey("llc.lookups_per_cycle", .integer(1...64), default: "1",
                  "Messages each LLC slice accepts per core cycle (one per cycle per slice on Intel parts); more queue for the next cycle."),
      ] + networkKeys("fabric", what: "on-die fabric between a socket's cores, its LLC and its home agent", latency: "2ns", bandwidth: "64GB/s")
      + networkKeys("link.fpga", what: "coherent link between the sockets and the FPGA (UPI/CXL-like)",
                    latency: "20ns", bandwidth: "20.8GB/s")
      + networkKeys("link.socket", what: "inter-socket link (UPI-like; one link shared by all sockets, a direction each way between two)",
                    latency: "20ns", bandwidth: "20.8GB/s")
      + [
        ConfigKey("home.directory_latency", .duration, default: "5ns",
                  "Directory lookup time of each socket's CPU home agent, before it reads DRAM or answers."),
        ConfigKey("home.lookups_per_cycle", .integer(1...64), default: "1",
                  "Messages the CPU home agent's directory accepts per core cycle (its pipeline runs at the core clock here; assumption: one per cycle, as a slice's caching/home agent); more queue."),
        ConfigKey("memory.latency", .duration, default: "45ns",
                  "DRAM access latency, added after the line's transfer. With the other defaults an idle load that misses to local DRAM takes about 104 ns end to end (the Kona artifact measured 82 ns on a Skylake server)."),
        ConfigKey("memory.interleave", .bytes(min: 64, powerOfTwo: true), default: "4KiB",
                  "With several sockets, local memory interleaves across the sockets' home agents (and their DRAM) in units of this size: unit n is homed by socket n mod sockets."),
        ConfigKey("memory.bandwidth", .bandwidth, default: "25.6GB/s",
                  "DRAM data bandwidth; each 64 B read or write occupies the channel for 64 B / bandwidth."),

        ConfigKey("memory.remote_fraction", .real(0...1), default: "0",
                  "Fraction of pages placed in remote memory (homed by the FPGA), chosen by a seeded hash of the page number; added to fpga.range. 0 to 1."),
        ConfigKey("memory.page_size", .bytes(min: 64, powerOfTwo: true), default: "4KiB",
                  "Granularity of memory.remote_fraction: a page is remote or local as a whole."),

        ConfigKey("fpga.range.base", .bytes(min: 0, powerOfTwo: false), default: "0",
                  "First byte of the physical range the FPGA homes (remote memory)."),
        ConfigKey("fpga.range.size", .bytes(min: 0, powerOfTwo: false), default: "0",
                  "Size of the FPGA's range; 0 for none. With this and memory.remote_fraction both 0 there is no FPGA."),
        ConfigKey("fpga.frequency", .frequency, default: "400MHz", "FPGA clock; its latencies are in its cycles."),
        ConfigKey("fpga.pipeline_latency", .integer(0...100_000), default: "8",
                  "Cycles from a message's arrival at the FPGA to its directory lookup (coherent-link and pipeline stages)."),
        ConfigKey("fpga.directory_latency", .integer(0...100_000), default: "2", "Directory lookup, in FPGA cycles."),
        ConfigKey("fpga.lookups_per_cycle", .integer(1...64), default: "1",
                  "Messages the FPGA's pipeline accepts per FPGA cycle (a fully pipelined design takes one per cycle; assumption); more queue."),
        ConfigKey("fpga.max_outstanding", .integer(1...65_536), default: "64",
                  "Remote operations in flight at once (block fetches and eviction writes); more wait in order."),
        ConfigKey("fpga.dirty_on_grant", .boolean, default: "false",
                  "Variant: set a line's dirty bit when ownership (E or M) is granted, not when modified data reaches the FPGA."),
        ConfigKey("fpga.fmem.size", .bytes(min: 64, powerOfTwo: false), default: "16MiB",
                  "Capacity of FMem, the FPGA-attached DRAM caching remote memory."),
        ConfigKey("fpga.fmem.block_size", .bytes(min: 64, powerOfTwo: true), default: "4KiB",
                  "FMem allocation and fetch unit, 64B to 2MiB."),
        ConfigKey("fpga.fmem.ways", .integer(1...65_536), default: "8",
                  "FMem associativity; size / (ways * block_size) sets, a power of two."),
        ConfigKey("fpga.fmem.replacement", .choice(["lru", "clock", "random"]), default: "lru",
                  "Victim choice within a set on an allocation failure (and for background evictions with fpga.eviction.victim: policy)."),
        ConfigKey("fpga.fmem.latency", .duration, default: "45ns", "FMem DRAM access latency (the same DRAM as the CPU's by default)."),
        ConfigKey("fpga.fmem.bandwidth", .bandwidth, default: "19.2GB/s", "FMem DRAM bandwidth (64 B per line access)."),
        ConfigKey("fpga.fmem.fetch", .choice(["critical_first", "whole"]), default: "critical_first",
                  "On an FMem miss: answer as soon as the requested line arrives (critical_first), or when the whole block has (whole)."),
        ConfigKey("fpga.eviction.high_watermark", .real(0...1), default: "0.95",
                  "FMem occupancy (fraction of blocks allocated) above which the eviction engine starts evicting in the background."),
        ConfigKey("fpga.eviction.low_watermark", .real(0...1), default: "0.9",
                  "Occupancy at which background eviction stops."),
        ConfigKey("fpga.eviction.victim", .choice(["policy", "coldest"]), default: "policy",
                  "Background victims: by fpga.fmem.replacement, or the block with the fewest access bits set (coldest)."),
        ConfigKey("fpga.eviction.scan", .integer(1...65_536), default: "64",
                  "Blocks a background eviction examines, from a rotating hand, to choose its victim."),
        ConfigKey("fpga.eviction.writeback", .choice(["dirty_lines", "whole_block"]), default: "dirty_lines",
                  "Write back only the lines whose dirty bit is set (Kona), or the whole block (page-granularity baseline)."),
        ConfigKey("fpga.eviction.batch", .bytes(min: 64, powerOfTwo: false), default: "4KiB",
                  "Most line data one network write carries."),
        ConfigKey("fpga.eviction.sg_entries", .integer(1...4096), default: "16",
                  "Most scatter-gather entries (runs of contiguous lines) in one network write."),

        ConfigKey("net.latency", .duration, default: "1us", "One-way latency of the network link to the remote memory nodes."),
        ConfigKey("net.bandwidth", .bandwidth, default: "100Gbps", "Link bandwidth, each direction."),
        ConfigKey("net.header_bytes", .bytes(min: 0, powerOfTwo: false), default: "64B",
                  "Header bytes per network packet (every message is split into packets of at most net.mtu bytes)."),
        ConfigKey("net.mtu", .bytes(min: 64, powerOfTwo: false), default: "4KiB", "Largest packet payload."),
        ConfigKey("net.sg_entry_bytes", .bytes(min: 0, powerOfTwo: false), default: "16B",
                  "Descriptor bytes a write carries per scatter-gather entry (remote address and length)."),
        ConfigKey("net.max_outstanding", .integer(1...65_536), default: "32",
                  "Network operations (reads, writes) in flight at once; more wait for the first to finish."),
        ConfigKey("net.dma_latency", .duration, default: "0ns",
                  "Latency of the FPGA NIC's DMA read of a write's payload from the initiator's memory (needs net.dma_bandwidth > 0)."),
        ConfigKey("net.dma_bandwidth", .bandwidth, default: "0Gbps",
                  "Bandwidth of that DMA read; 0: no DMA stage (a write's payload is ready when the write starts). Otherwise the NIC reads a write's payload a packet at a time, two packets ahead of the link, and each packet leaves once read (net.dma_latency after its bytes)."),
        ConfigKey("remote.nodes", .integer(1...64), default: "1", "Remote memory nodes (Kona's memory servers)."),
        ConfigKey("remote.placement", .choice(["striped", "partitioned"]), default: "striped",
                  "How remote memory maps to nodes: FMem blocks round-robin (striped), or contiguous partitions of remote.partition_size."),
        ConfigKey("remote.partition_size", .bytes(min: 64, powerOfTwo: false), default: "1GiB",
                  "partitioned: bytes per node partition (address / partition_size mod nodes)."),
        ConfigKey("remote.latency", .duration, default: "100ns", "Memory access latency at a remote node."),
        ConfigKey("remote.bandwidth", .bandwidth, default: "25.6GB/s", "Memory bandwidth at a remote node."),
        ConfigKey("remote.posted_writes", .boolean, default: "false",
                  "false: a node acknowledges a network write once its memory has written the last packet (remote.latency after its bytes). true: once its memory has taken the bytes in (at remote.bandwidth, without remote.latency), as a NIC acknowledges posted writes."),

        ConfigKey("stats.dirty_interval", .integer(0...Int64.max), default: "1000000",
                  "Data accesses of the whole system (all cores, in issue order) per interval of the shadow dirty trackers (tracker.amplification.*); a Lackey L, S or M counts one. 0 turns the trackers off."),

        ConfigKey("workload.kind", .choice(["uniform", "sequential", "strided", "zipfian", "pointer_chase", "lackey"]),
                  default: "uniform",
                  "Access stream of the core: a synthetic generator, or a Valgrind Lackey trace (workload.trace)."),
        ConfigKey("workload.accesses", .integer(1...Int64.max), default: "1000000",
                  "Accesses a generator produces (before splitting at line boundaries). Ignored for lackey."),
        ConfigKey("workload.footprint", .bytes(min: 1, powerOfTwo: false), default: "64MiB",
                  "Bytes the generator's addresses cover, starting at workload.base."),
        ConfigKey("workload.base", .bytes(min: 0, powerOfTwo: false), default: "0", "Lowest generated address."),
        ConfigKey("workload.access_size", .bytes(min: 1, powerOfTwo: false), default: "8B",
                  "Bytes per generated access (at most 4KiB); accesses are aligned to it except strided ones."),
        ConfigKey("workload.store_fraction", .real(0...1), default: "0.3",
                  "Fraction of generated accesses that are stores (pointer_chase issues loads only)."),
        ConfigKey("workload.stride", .bytes(min: 1, powerOfTwo: false), default: "64B", "strided: distance between accesses."),
        ConfigKey("workload.zipf_theta", .real(0.01...0.999), default: "0.99",
                  "zipfian: skew; item i (of footprint / access_size) has probability ~ 1 / (i+1)^theta."),
        ConfigKey("workload.trace", .path, default: "",
                  "lackey: trace file from `valgrind --tool=lackey --trace-mem=yes`, relative to this config file."),

        ConfigKey("trace.vcd", .path, default: "",
                  "Write a VCD waveform to this file (relative to this config); empty for none. `konasim run --vcd FILE` sets it."),
        ConfigKey("trace.signals", .text, default: "*",
                  "Comma-separated globs of signal paths to trace (`*` any text, `?` one character), e.g. `cpu0.*,memory.*`. `konasim signals` lists them."),
        ConfigKey("trace.window", .text, default: "",
                  "Only trace changes in this simulated-time range, `FROM..TO` (e.g. `10us..20us`); empty for the whole run."),
        ConfigKey("trace.watch", .text, default: "",
                  "Comma-separated byte addresses (e.g. `0x1000,0x2040`) whose line state in every cache is traced as a string signal `<cache>.watch.<line address>`."),
        ConfigKey("trace.timescale", .choice(["1ps", "10ps", "100ps", "1ns", "10ns", "100ns", "1us"]), default: "1ps",
                  "VCD time unit; times are rounded down to it."),

        ConfigKey("run.max_time", .duration, default: "0s", "Stop at this simulated time; 0s runs to the end of the workload."),
        ConfigKey("run.max_accesses", .integer(0...Int64.max), default: "0",
                  "Stop issuing after this many accesses (after line splitting); 0 for no limit."),
        ConfigKey("run.check", .boolean, default: "false",
                  "Data-value checking (coherent model): every store writes a fresh value and every load must see the latest one in coherence order; a wrong value stops the run (exit 3). Slower. `konasim run --check` sets it."),
    ], sections: [
        "system": "What is simulated: the coherent multi-core system, or one private hierarchy.",
        "core": "Each core and its private caches.",
        "llc": "Each socket's last-level cache (coherent model).",
        "fabric": "On-die fabric of a socket: its cores, its LLC and its home agent (coherent model).",
        "link": "Off-die coherent links (coherent model); a socket reaches its own home agent over its on-die fabric.",
        "link.fpga": "The coherent link between the sockets' LLCs and the FPGA (UPI/CXL-like).",
        "link.socket": "The link between sockets, crossed to reach memory another socket homes (UPI-like).",
        "home": "Each socket's CPU home agent: directory in front of that socket's DRAM, reached over the on-die fabric (coherent model).",
        "protocol": "Coherence protocol variants (coherent model).",
        "fpga": "The Kona FPGA: home agent for remote memory, FMem, bitmaps, eviction engine (coherent model).",
        "fpga.range": "The physical range the FPGA homes.",
        "fpga.fmem": "FMem: the FPGA's DRAM cache of remote memory.",
        "fpga.eviction": "The FPGA's eviction engine.",
        "net": "The network link between the FPGA and the remote memory nodes (RDMA-like).",
        "remote": "Remote memory nodes.",
        "stats": "Statistics.",
        "core.l1d": "Private first-level data cache (write-back, write-allocate).",
        "core.l2": "Private second-level cache (write-back, write-allocate, non-inclusive).",
        "memory": "Main memory (DRAM).",
        "workload": "What the core runs.",
        "run": "Run control.",
        "trace": "Waveform output (VCD).",
    ])

    /// A loader for this schema.
    public static let loader = ConfigLoader(schema: schema)
}
