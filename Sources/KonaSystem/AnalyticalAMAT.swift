import KonaConfig
import KonaEngine

/// The Kona artifact's analytical AMAT (project-kona/KCacheSim, `scripts/gather-results.py`,
/// `calc_amat`), reported by every run as `amat.analytical_ns`, a check on the timed `amat_ns`:
///
///     AMAT = L1 + m1*L2 + m2*L3 + m3*Cache + mRemote*Remote
///
/// where each `m` is a *global* miss rate (misses of that level / data accesses), `Cache` is
/// the memory behind the LLC and `Remote` the cost of a miss there. Every access pays L1; one
/// that misses L1 also pays L2, and so on: a purely additive model with no queueing, no
/// overlap and no eviction cost. The latencies are the artifact's, not the run's: L1 2 ns,
/// L2 9, L3 26 (`scripts/latency.py`, Skylake-EP at 2 GHz), and by the run's home of memory:
///
/// - Kona's FPGA: Cache = FMem 130 ns; a remote miss is an FMem miss (`fpga.fmem.misses`),
///   Remote = 3.11 us (the 4 KiB RDMA read, t_avg of `scripts/rdma-read-lats.csv`).
/// - Paging: Cache = local DRAM 82 ns (the page cache); a remote miss is a page fault
///   (`paging.faults`), Remote = the run's idle fault, `paging.fault_latency` + the 3.11 us
///   read + `paging.map_latency`, rounded to whole microseconds as the artifact gives fault
///   costs (LegoOS 10 us, Infiniswap 40 us: the presets' 9.96 and 40.01 us).
/// - No remote memory: Cache = local DRAM 82 ns, no remote term.
///
/// `m3` counts *every* LLC miss (all sockets) as a trip to Cache: the artifact's setting, and
/// KonaSim's with `memory.remote_fraction: 1`; with local memory as well, local LLC misses are
/// charged Cache too. The private model has no LLC: its L2 misses go to local DRAM, so there
/// `m2` is charged Cache and L3 is absent. No accesses: 0, as `amat_ns`.
///
/// The artifact sums reads and writes apart (its Cachegrind counts split them) and weights
/// them by the read/write ratio; KonaSim counts one combined stream per level, so this uses
/// combined rates and one Remote. For a loads-only workload the two are the same.
///
/// Pure arithmetic on counts; O(cores + sockets) per read of the statistic.
public enum AnalyticalAMAT {
    /// The latency each level adds, in ns.
    public struct Latencies: Sendable, Equatable {
        public var l1, l2, l3, cache, remote: Double

        public init(l1: Double, l2: Double, l3: Double, cache: Double, remote: Double) {
            self.l1 = l1
            self.l2 = l2
            self.l3 = l3
            self.cache = cache
            self.remote = remote
        }

        /// The artifact's for Kona: Cache = FMem 130 ns, Remote = the 4 KiB read, 3.11 us.
        public static let konaArtifact = Latencies(l1: 2, l2: 9, l3: 26, cache: 130, remote: 3110)

        /// The artifact's for paging (Cache = local DRAM 82 ns) with a fault costing `remote` ns.
        public static func pagingArtifact(remote: Double) -> Latencies {
            Latencies(l1: 2, l2: 9, l3: 26, cache: 82, remote: remote)
        }

        /// The artifact's for a run of `config`.
        public static func artifact(for config: SimulationConfig) -> Latencies {
            if let paging = config.paging {
                let faultPs = paging.faultLatency + 3_110_000 + paging.mapLatency
                return pagingArtifact(remote: (Double(faultPs) / 1_000_000).rounded() * 1000)
            }
            return config.fpga == nil ? pagingArtifact(remote: 0) : konaArtifact
        }
    }

    /// Miss counts of one run (all cores together) and its data accesses.
    public struct Counts: Sendable, Equatable {
        /// Data accesses (the denominator of every rate).
        public var accesses: UInt64
        /// L1D misses, L2 misses (requests to the LLC), LLC misses (requests to the memory
        /// behind it), and remote misses (FMem misses or page faults).
        public var l1Misses, l2Misses, l3Misses, remoteMisses: UInt64

        public init(accesses: UInt64, l1Misses: UInt64, l2Misses: UInt64, l3Misses: UInt64, remoteMisses: UInt64) {
            self.accesses = accesses
            self.l1Misses = l1Misses
            self.l2Misses = l2Misses
            self.l3Misses = l3Misses
            self.remoteMisses = remoteMisses
        }

        /// The counts of a coherent run from its statistics, read by name through `integer`:
        /// `accesses`, the sums over cores of `cpu<i>.l1d.misses` and `cpu<i>.l2.misses`, over
        /// sockets of `llc<s>.misses`, and `fpga.fmem.misses` or `paging.faults` (0 when neither
        /// is present); nil without the per-core or per-socket counts (the private model).
        public init?(_ integer: (String) -> UInt64?) {
            func total(_ prefix: String, _ suffix: String) -> UInt64? {
                var sum: UInt64 = 0, i = 0
                while let v = integer("\(prefix)\(i)\(suffix)") {
                    sum += v
                    i += 1
                }
                return i == 0 ? nil : sum
            }
            guard let accesses = integer("accesses"), let l1 = total("cpu", ".l1d.misses"), let l2 = total("cpu", ".l2.misses"),
                  let l3 = total("llc", ".misses") else { return nil }
            let remote = integer("fpga.fmem.misses") ?? integer("paging.faults") ?? 0
            self.init(accesses: accesses, l1Misses: l1, l2Misses: l2, l3Misses: l3, remoteMisses: remote)
        }
    }

    /// `L1 + m1*L2 + m2*L3 + m3*Cache + mRemote*Remote` in ns (0 without accesses), evaluated
    /// in that order with the remote term as `Remote * misses / accesses`, the order of
    /// `scripts/paper-reproduction`'s former Python formula, so the two agree to the last bit.
    public static func amat(_ counts: Counts, _ latencies: Latencies = .konaArtifact) -> Double {
        guard counts.accesses > 0 else { return 0 }
        let n = Double(counts.accesses)
        let m1 = Double(counts.l1Misses) / n, m2 = Double(counts.l2Misses) / n, m3 = Double(counts.l3Misses) / n
        return latencies.l1 + latencies.l2 * m1 + latencies.l3 * m2 + latencies.cache * m3
            + latencies.remote * Double(counts.remoteMisses) / n
    }

    /// Registers `amat.analytical_ns` in `stats`: it reads the counts it needs by name from
    /// `stats` each time it is read (at report time), so registration order does not matter.
    static func register(in stats: StatsRegistry, config: SimulationConfig) {
        let latencies = Latencies.artifact(for: config)
        let coherent = config.coherent
        stats.formula("amat.analytical_ns", "the Kona artifact's analytical AMAT (calc_amat) on this run's miss rates, with its latencies (docs/metrics.md)", unit: "ns") {
            func integer(_ name: String) -> UInt64? {
                switch stats.entry(name)?.source {
                case .counter(let c)?: return c.value
                case .formula(let f)?: if case .integer(let v) = f() { return v } else { return nil }
                default: return nil
                }
            }
            if coherent {
                return .real(Counts(integer).map { amat($0, latencies) } ?? 0)
            }
            // The private model: L2 misses go to local DRAM (Cache); no L3, no remote term.
            let counts = Counts(accesses: integer("accesses") ?? 0, l1Misses: integer("cpu0.l1d.misses") ?? 0,
                                l2Misses: 0, l3Misses: integer("cpu0.l2.misses") ?? 0, remoteMisses: 0)
            return .real(amat(counts, latencies))
        }
    }
}
