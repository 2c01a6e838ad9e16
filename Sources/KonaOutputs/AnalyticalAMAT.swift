import KonaEngine
import KonaSystem

/// The Kona artifact's analytical AMAT (project-kona/KCacheSim, `scripts/gather-results.py`,
/// `calc_amat`), as a check on KonaSim's timed one:
///
///     AMAT = L1 + m1*L2 + m2*L3 + m3*Cache + mCache*Remote
///
/// where each `m` is a *global* miss rate (misses of that level / data accesses), `Cache` is
/// the remote-memory cache (FMem for Kona) and `Remote` the network read of one block. Every
/// access pays L1; one that misses L1 also pays L2, and so on: a purely additive model with
/// no queueing, no overlap and no eviction cost.
///
/// The artifact computes the sum for reads and for writes apart (its Cachegrind counts
/// split them, and Remote is the read or the write RDMA latency) and weights the two by the
/// read/write ratio. KonaSim's statistics count one combined stream per level, so this uses
/// combined rates and one Remote (the read latency, as the artifact also charges writes
/// unless there is no FMem at all). For a loads-only workload the two are the same.
///
/// Pure: no I/O, no state.
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

        /// The artifact's: L1 2 ns, L2 9 ns, L3 26 ns (`scripts/latency.py`, Skylake-EP at
        /// 2 GHz), FMem 130 ns ("numa", measured), Remote 3.11 us (the 4 KiB read, t_avg of
        /// `scripts/rdma-read-lats.csv`).
        public static let konaArtifact = Latencies(l1: 2, l2: 9, l3: 26, cache: 130, remote: 3110)
    }

    /// Miss counts of one run (all cores together) and its data accesses.
    public struct Counts: Sendable, Equatable {
        /// Data accesses (the denominator of every rate).
        public var accesses: UInt64
        /// L1D misses, L2 misses (requests to the LLC), LLC misses that went to the remote
        /// cache (FMem), and remote-cache misses (requests FMem could not serve).
        public var l1Misses, l2Misses, l3Misses, cacheMisses: UInt64

        public init(accesses: UInt64, l1Misses: UInt64, l2Misses: UInt64, l3Misses: UInt64, cacheMisses: UInt64) {
            self.accesses = accesses
            self.l1Misses = l1Misses
            self.l2Misses = l2Misses
            self.l3Misses = l3Misses
            self.cacheMisses = cacheMisses
        }

        /// The counts of a coherent run with the Kona FPGA: `accesses`, the sums over cores of
        /// `cpu<i>.l1d.misses` and `cpu<i>.l2.misses`, the sum over sockets of `llc<s>.misses`,
        /// and `fpga.fmem.misses`; nil if the report lacks them (private model, no FPGA).
        ///
        /// `m3` counts *every* LLC miss as a trip to FMem. That is the artifact's setting (the
        /// whole working set is remote and FMem caches it; it has no local-DRAM term) and
        /// KonaSim's with `memory.remote_fraction: 1`, where each LLC miss is one request to
        /// the FPGA. With local memory as well, LLC misses to local lines would be charged
        /// FMem's latency; pass the remote ones alone (`init`) for such runs.
        public init?(report: Report) {
            func integer(_ name: String) -> UInt64? {
                if case .integer(let v)? = report.value(name) { return v }
                return nil
            }
            func total(_ prefix: String, _ suffix: String) -> UInt64? {
                var sum: UInt64 = 0, i = 0
                while let v = integer("\(prefix)\(i)\(suffix)") {
                    sum += v
                    i += 1
                }
                return i == 0 ? nil : sum
            }
            guard let accesses = integer("accesses"), let l1 = total("cpu", ".l1d.misses"), let l2 = total("cpu", ".l2.misses"),
                  let l3 = total("llc", ".misses"), let cache = integer("fpga.fmem.misses") else { return nil }
            self.init(accesses: accesses, l1Misses: l1, l2Misses: l2, l3Misses: l3, cacheMisses: cache)
        }

        /// The global miss rates (misses / accesses; all 0 without accesses).
        public var rates: MissRates {
            guard accesses > 0 else { return MissRates(m1: 0, m2: 0, m3: 0, mCache: 0) }
            let n = Double(accesses)
            return MissRates(m1: Double(l1Misses) / n, m2: Double(l2Misses) / n, m3: Double(l3Misses) / n,
                             mCache: Double(cacheMisses) / n)
        }
    }

    /// Global miss rates: misses of each level / data accesses.
    public struct MissRates: Sendable, Equatable {
        public var m1, m2, m3, mCache: Double

        public init(m1: Double, m2: Double, m3: Double, mCache: Double) {
            self.m1 = m1
            self.m2 = m2
            self.m3 = m3
            self.mCache = mCache
        }
    }

    /// `L1 + m1*L2 + m2*L3 + m3*Cache + mCache*Remote`, in ns.
    public static func amat(_ rates: MissRates, _ latencies: Latencies = .konaArtifact) -> Double {
        latencies.l1 + rates.m1 * latencies.l2 + rates.m2 * latencies.l3 + rates.m3 * latencies.cache
            + rates.mCache * latencies.remote
    }

    /// The AMAT of `counts`' global miss rates, in ns.
    public static func amat(_ counts: Counts, _ latencies: Latencies = .konaArtifact) -> Double {
        amat(counts.rates, latencies)
    }
}
