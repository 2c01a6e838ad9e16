import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KonaConfig
import KonaEngine
@testable import KonaSystem
import KonaWorkloads

@Suite struct SampledRunTests {
    /// The functional model's state handed to a detailed system mid-run: in the constrained
    /// case, the detailed system's counts over the second half equal the functional model's
    /// (its end counts less its counts at the handover), and the end state of FMem's bitmaps
    /// is the same.
    @Test func aDetailedSystemContinuesExactlyFromTheFunctionalState() throws {
        let config = try coherentConfig(konaOverrides + oneAtATime + smallKona + [
            "fpga.range.size=4MiB", "workload.kind=zipfian", "workload.footprint=2MiB", "workload.accesses=6000",
            "workload.store_fraction=0.3"])
        let functional = try FunctionalRun(config: config)
        try functional.run(limit: 3000)
        let rest = functional.upcoming(3000, core: 0)
        #expect(rest.count == 3000)
        let detailed = Simulation(config: config, sources: [AccessList(rest)])
        functional.system.copyState(into: detailed.complexes, llcs: detailed.llcs, homes: detailed.homes, fpga: detailed.fpga)
        let half = Dictionary(uniqueKeysWithValues: functional.system.counts.map { ($0.name, $0.value) })
        let report = try detailed.run()
        try functional.run()
        var compared = 0
        for (name, end) in functional.system.counts {
            let value = UInt64(report.value(name)?.asDouble ?? -1)
            let endState = name.hasSuffix("_bits")
            #expect(value == (endState ? end : end - half[name]!), "\(name): detailed \(value), functional \(end) at the end, \(half[name]!) at the handover")
            compared += 1
        }
        #expect(compared > 20)
        #expect(UInt64(report.value("fpga.evictions")?.asDouble ?? 0) > 10, "the second half should evict")
    }

    /// A sampled run of a small Kona system whose accesses come with instructions: every
    /// estimate's interval holds the full detailed run's value (IPC: the cores' mean), and
    /// the windows simulated a fraction of the accesses.
    @Test func aSampledRunBracketsTheDetailedValues() throws {
        let overrides = konaOverrides + smallKona + [
            "system.cores_per_socket=2", "fpga.range.size=4MiB", "workload.kind=zipfian", "workload.footprint=2MiB",
            "workload.accesses=16000", "workload.store_fraction=0.3", "workload.instructions_per_access=4"]
        let detailed = try Simulation(config: try coherentConfig(overrides)).run()
        let config = try coherentConfig(overrides + ["run.sampling.enabled=true", "run.sampling.period=1600",
                                                     "run.sampling.detailed_warmup=200", "run.sampling.measure=400"])
        let report = try SampledRun(config: config).run()
        #expect(report.units == 10)
        #expect(report.accesses == 32000)
        #expect(report.detailedAccesses < report.accesses / 2)
        for name in ["amat_ns", "amat.remote_ns", "fpga.fmem.hit_rate", "sim.execution_time_ns", "net.bytes_read"] {
            let estimate = try #require(report.estimate(name))
            let value = detailed.value(name)!.asDouble
            #expect(estimate.low <= value && value <= estimate.high,
                    "\(name): detailed \(value), sampled \(estimate.mean) +- \(estimate.halfWidth)")
            #expect(estimate.halfWidth > 0)
        }
        #expect(report.idleCoreFraction < WindowIdleTime.limit && !report.coresIdleInUnits, "symmetric cores: \(report.idleCoreFraction)")
        #expect(!report.warnings.contains { $0.hasPrefix("cores idle") })
        let ipc = try #require(report.estimate("ipc"))
        let meanIPC = (detailed.value("cpu0.ipc")!.asDouble + detailed.value("cpu1.ipc")!.asDouble) / 2
        #expect(ipc.low <= meanIPC && meanIPC <= ipc.high && ipc.halfWidth > 0,
                "ipc: detailed \(meanIPC), sampled \(ipc.mean) +- \(ipc.halfWidth)")
    }

    /// Windows run on a second thread while warming goes on (`WindowJob`) give the run that
    /// windows run one after another give, to the bit: every estimate, interval and exact
    /// count, on the FPGA home and on the paging home (whose page table and page cache a
    /// window shares copy-on-write with the functional model that goes on changing them).
    @Test func overlappedWindowsGiveTheRunOfWindowsOneAfterAnother() throws {
        let common = ["system.cores_per_socket=2", "fpga.range.size=4MiB", "workload.kind=zipfian", "workload.footprint=2MiB",
                      "workload.accesses=16000", "workload.store_fraction=0.3", "run.sampling.enabled=true",
                      "run.sampling.period=1600", "run.sampling.detailed_warmup=200", "run.sampling.measure=400"]
        for overrides in [konaOverrides + smallKona + common, pagingOverrides + smallPaging + ["paging.capacity=512KiB"] + common] {
            let config = try coherentConfig(overrides)
            let overlapped = try SampledRun(config: config).run()
            let sequential = try SampledRun(config: config)
            sequential.overlapsWindows = false
            let reference = try sequential.run()
            #expect(overlapped.units == 10 && overlapped.units == reference.units)
            #expect(overlapped.detailedAccesses == reference.detailedAccesses)
            #expect(overlapped.idleCoreFraction == reference.idleCoreFraction)
            #expect(overlapped.estimates.count == reference.estimates.count)
            for (a, b) in zip(overlapped.estimates, reference.estimates) {
                #expect(a.name == b.name && a.mean == b.mean && a.halfWidth == b.halfWidth && a.units == b.units,
                        "\(a.name): \(a.mean) +- \(a.halfWidth) overlapped, \(b.mean) +- \(b.halfWidth) one after another")
            }
            #expect(overlapped.exactCounts.map(\.name) == reference.exactCounts.map(\.name))
            #expect(overlapped.exactCounts.map(\.value) == reference.exactCounts.map(\.value))
        }
    }

    /// The recorded pigz trace (six threads on four cores): the main thread's core issues
    /// several times faster than the compressing threads' (its accesses hit, theirs miss), so
    /// in each window it finishes its equal share early and idles; the run measures that and
    /// warns that the execution time and IPC estimates are unreliable.
    @Test func coresOfUnequalRatesIdleInTheWindowsAndTheRunWarns() throws {
        let trace = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pigz-head.ktr").path
        let config = try coherentConfig(konaOverrides + [   // scripts/validate-sampling (2)'s LLC and FMem
            "llc.size=256KiB", "fpga.fmem.size=512KiB", "fpga.range.size=0B", "memory.remote_fraction=1",
            "workload.kind=lackey", "workload.trace=\(trace)", "run.max_accesses=8000", "run.sampling.enabled=true",
            "run.sampling.period=1200", "run.sampling.detailed_warmup=200", "run.sampling.measure=400"])
        let report = try SampledRun(config: config).run()
        #expect(report.units >= 4)
        #expect(report.idleCoreFraction > WindowIdleTime.limit && report.coresIdleInUnits, "idle share \(report.idleCoreFraction)")
        let warning = report.warnings.first { $0.hasPrefix("cores idle") }
        #expect(warning?.contains("cpu0") == true, "\(report.warnings)")
    }

    /// Student's t quantiles against SciPy's (`scipy.stats.t.ppf((1 + c) / 2, df)`, 1.17.1),
    /// from one unit of freedom, where the normal quantile is 70 times too small, to 1,000,
    /// where they nearly agree (the normal quantile of 0.997 is 2.9677).
    @Test func theIntervalsUseStudentsTQuantile() {
        let scipy: [(confidence: Double, df: Int, t: Double)] = [
            (0.997, 1, 212.20501999054918), (0.997, 2, 18.216313690207343), (0.997, 7, 4.442125119312384),
            (0.997, 40, 3.1603809211695877), (0.997, 99, 3.0429447363882476), (0.997, 1000, 2.9750308919457895),
            (0.95, 1, 12.706204736174694), (0.95, 2, 4.302652729749462), (0.95, 40, 2.021075390306273),
        ]
        for (c, df, t) in scipy {
            let ours = SampledEstimate.t(c, degreesOfFreedom: df)
            #expect(abs(ours - t) < 1e-7 * t, "t(\(c), \(df)) = \(ours), SciPy \(t)")
        }
    }

    /// Two units give a 99.7% interval of 212 standard errors, not the normal quantile's 2.97.
    @Test func twoUnitsGiveAWideInterval() {
        let e = SampledEstimate(name: "amat", label: "AMAT", unit: "ns", values: [100, 102], confidence: 0.997)
        // s = sqrt(2), standard error s / sqrt(2) = 1
        #expect(abs(e.halfWidth - 212.20501999054918) < 1e-5)
    }

    /// The units a target needs count the quantile's fall with them: from 2 units (212
    /// standard errors at 99.7%) the answer is the least N with t(N - 1) s / sqrt(N) within
    /// the target, checked from the units' standard deviation by hand, about a 71st of what
    /// scaling the half-width by 1/sqrt(N) at the fixed 2-unit quantile gives.
    @Test func theUnitsATargetNeedsFollowTheQuantile() throws {
        let e = SampledEstimate(name: "amat", label: "AMAT", unit: "ns", values: [100, 102], confidence: 0.997)
        let s = 2.0.squareRoot(), allowed = 0.01 * 101          // 1% of the mean
        func width(_ n: Int) -> Double { SampledEstimate.t(0.997, degreesOfFreedom: n - 1) * s / Double(n).squareRoot() }
        let needed = try #require(e.unitsNeeded(for: 0.01, confidence: 0.997))
        #expect(width(needed) <= allowed && width(needed - 1) > allowed, "the least N: \(needed)")
        #expect(needed == 23, "SciPy: 23 units give t(22) 3.335 x 1.414 / sqrt(23) = 0.984 <= 1.01; 22 give 1.011")
        let fixedQuantile = 2 * (e.relativeError / 0.01) * (e.relativeError / 0.01)
        #expect(fixedQuantile > 40_000 && Double(needed) < fixedQuantile / 1000)
        #expect(SampledEstimate(name: "a", label: "a", unit: "", values: [100, 100.1, 99.9], confidence: 0.997)
                    .unitsNeeded(for: 0.03, confidence: 0.997) == 3, "already within: the units it has")
    }

    /// The ratio estimate (IPC's): sum(x) / sum(y), half-width by the delta method, by hand.
    @Test func theRatioEstimateWeighsUnitsByTheirDenominator() {
        let e = SampledEstimate(name: "ipc", label: "IPC", unit: "instructions/cycle",
                                ratios: [(2, 1), (4, 2), (9, 3)], confidence: 0.95)
        #expect(e.mean == 2.5 && e.units == 3)
        // residuals -0.5, -1, 1.5: sqrt(3.5 / (3 x 2)) / mean(y) 2, times t(0.95, 2 degrees of freedom)
        #expect(abs(e.halfWidth - SampledEstimate.t(0.95, degreesOfFreedom: 2) * (3.5 / 6).squareRoot() / 2) < 1e-12)
        #expect(abs(e.halfWidth - 1.6431027) < 1e-6)
    }

    /// The paging home is sampled (`FunctionalPagingTests`); the CXL home and checking are refused.
    @Test func cxlAndCheckingAreRefusedByNamePagingIsNot() throws {
        let paging = try coherentConfig(konaOverrides + ["remote.mechanism=paging", "run.sampling.enabled=true"])
        #expect(SampledRun.unsupported(paging) == nil)
        let cxl = try coherentConfig(konaOverrides + ["remote.mechanism=cxl", "run.sampling.enabled=true"])
        #expect(SampledRun.unsupported(cxl)?.hasPrefix("remote.mechanism: cxl with cxl.coherence: hdm_db") == true)
        let expander = try coherentConfig(konaOverrides + ["remote.mechanism=cxl", "cxl.coherence=hdm_h", "cxl.link.flit=68",
                                                           "run.sampling.enabled=true"])
        #expect(SampledRun.unsupported(expander)?.hasPrefix("remote.mechanism: cxl with cxl.coherence: hdm_h") == true)
        let checked = try coherentConfig(konaOverrides + ["run.check=true", "run.sampling.enabled=true"])
        #expect(SampledRun.unsupported(checked)?.contains("run.check") == true)
    }

    @Test func aPeriodShorterThanAWindowIsAConfigError() throws {
        #expect(throws: ConfigError.self) {
            try coherentConfig(["run.sampling.enabled=true", "run.sampling.period=1000", "run.sampling.measure=1000"])
        }
    }
}
