#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import KonaConfig
@testable import KonaEngine
@testable import KonaOutputs
import KonaSystem

/// Keeps what a tracer emits.
final class MemorySink: TraceSink {
    var signals: [(path: String, kind: SignalKind)] = []
    var changes: [(id: Int32, time: Tick, value: SignalValue)] = []
    var initial: [UInt64] = []
    var startedAt: Tick?
    var endedAt: Tick?
    func begin(signals: [(path: String, kind: SignalKind)], initial: [UInt64], strings: SignalStrings, at start: Tick) {
        (self.signals, self.initial, startedAt) = (signals, initial, start)
    }
    func change(_ id: SignalID, at time: Tick, raw: UInt64) { changes.append((id.raw, time, .bits(raw))) }
    func end(at time: Tick) { endedAt = time }
}

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("konasim-\(UUID().uuidString)-\(name)").path
}

@Suite struct SignalTracerTests {
    @Test func changesComeOutInTimeOrderAndOnlyWhenTheValueChanges() {
        let sink = MemorySink()
        let tracer = SignalTracer(sink: sink)
        let a = tracer.declare("x.a", .wire(width: 4), initial: .bits(0))!
        tracer.record(a, at: 50, .bits(3))      // recorded out of order
        tracer.record(a, at: 10, .bits(1))
        tracer.record(a, at: 20, .bits(1))      // no change: dropped
        tracer.record(a, at: 30, .bits(0))
        tracer.finish(at: 100)
        #expect(sink.changes.map(\.time) == [10, 30, 50])
        #expect(sink.changes.map(\.value) == [.bits(1), .bits(0), .bits(3)])
        #expect(sink.endedAt == 100)
    }

    @Test func countersResolveFutureDeltasInTimeOrder() {
        let sink = MemorySink()
        let tracer = SignalTracer(sink: sink)
        let n = tracer.declare("mshrs", .wire(width: 8), initial: .bits(0))!
        tracer.adjust(n, at: 0, by: 1); tracer.adjust(n, at: 90, by: -1)   // miss 1: 0..90
        tracer.adjust(n, at: 10, by: 1); tracer.adjust(n, at: 40, by: -1)  // miss 2: 10..40
        tracer.finish(at: 100)
        #expect(sink.changes.map(\.time) == [0, 10, 40, 90])
        #expect(sink.changes.map(\.value) == [.bits(1), .bits(2), .bits(1), .bits(0)])
    }

    /// Several batches go to the writer thread, with changes recorded for times beyond the
    /// flush limit (carried to a later batch): the output is still every change in (time,
    /// recording) order, as a plain stable sort of the whole record computes it.
    @Test func batchesHandedToTheWriterThreadComeOutInTimeOrder() {
        let sink = MemorySink()
        let tracer = SignalTracer(sink: sink)
        let ids = (0..<8).map { tracer.declare("s\($0)", .wire(width: 32), initial: .bits(0))! }
        var random = RandomStream(rawSeed: 7)
        var recorded: [(time: Tick, order: Int, id: Int32, value: UInt64)] = []
        var now: Tick = 0
        let count = 3 * SignalTracer.batchSize + 1_234
        for k in 0..<count {
            if k % 500 == 0 {
                now += 1_000
                tracer.flush(before: now)
            }
            let time = now + random.next() % 5_000     // up to five flushes ahead
            let id = ids[Int(random.next() % 8)]
            let value = random.next() % 4
            tracer.record(id, at: time, .bits(value))
            recorded.append((time, k, id.raw, value))
        }
        tracer.finish(at: now + 10_000)
        var current = [UInt64](repeating: 0, count: 8)
        var expected: [(Int32, Tick, UInt64)] = []
        for r in recorded.sorted(by: { ($0.time, $0.order) < ($1.time, $1.order) }) where current[Int(r.id)] != r.value {
            current[Int(r.id)] = r.value
            expected.append((r.id, r.time, r.value))
        }
        #expect(sink.changes.count == expected.count)
        #expect(sink.changes.map(\.id) == expected.map(\.0))
        #expect(sink.changes.map(\.time) == expected.map(\.1))
        #expect(sink.changes.map(\.value) == expected.map { .bits($0.2) })
        #expect(sink.endedAt == now + 10_000)
    }

    @Test func selectionAndWindowAreRespected() {
        let sink = MemorySink()
        let selection = SignalSelection(["cpu0.*", "memory.busy"])
        let tracer = SignalTracer(sink: sink, selects: selection.selects, window: 100...200)
        let a = tracer.declare("cpu0.l1d.hit", .wire(width: 1), initial: .bits(0))
        let b = tracer.declare("cpu1.l1d.hit", .wire(width: 1), initial: .bits(0))
        let c = tracer.declare("memory.busy", .wire(width: 1), initial: .bits(0))
        #expect(a != nil && b == nil && c != nil)
        tracer.record(a!, at: 50, .bits(1))     // before the window: its value at the start
        tracer.record(c!, at: 150, .bits(1))
        tracer.record(a!, at: 160, .bits(0))
        tracer.record(c!, at: 250, .bits(0))    // after: dropped
        tracer.finish(at: 300)
        #expect(sink.startedAt == 100 && sink.initial == [1, 0])
        #expect(sink.changes.map(\.time) == [150, 160])
        #expect(sink.changes.map(\.id) == [1, 0])
        #expect(sink.endedAt == 200)
        #expect(SignalSelection(["*.l?d.*"]).selects("cpu0.l1d.hit") && !SignalSelection(["cpu0.l2*"]).selects("cpu0.l1d.hit"))
    }

    /// A signal that changes before the window and again exactly at its start begins with its
    /// value at the start, with no zero-width glitch.
    @Test func aChangeAtTheWindowStartIsShownOnce() {
        let sink = MemorySink()
        let tracer = SignalTracer(sink: sink, window: 100...200)
        let a = tracer.declare("a", .wire(width: 1), initial: .bits(0))!
        tracer.record(a, at: 50, .bits(1))
        tracer.record(a, at: 100, .bits(0))
        tracer.record(a, at: 150, .bits(1))
        tracer.finish(at: 300)
        #expect(sink.startedAt == 100 && sink.initial == [0])
        #expect(sink.changes.map(\.time) == [150])
        #expect(sink.changes.map(\.value) == [.bits(1)])
    }

    /// The end of a tracer's life: a flush to the end of time does not stop `finish` from
    /// closing the sink, changes at the last tick are emitted, a second `finish` does
    /// nothing, and a tracer dropped without `finish` still closes its sink.
    @Test func finishEmitsEverythingOnceAndDeinitFinishes() {
        let sink = MemorySink()
        let tracer = SignalTracer(sink: sink)
        let a = tracer.declare("a", .wire(width: 8), initial: .bits(0))!
        tracer.record(a, at: 10, .bits(1))
        tracer.record(a, at: .max, .bits(2))
        tracer.flush(before: .max)
        tracer.finish(at: .max)
        tracer.finish(at: 5)
        #expect(sink.changes.map(\.time) == [10, .max])
        #expect(sink.endedAt == .max)

        let dropped = MemorySink()
        do {
            let abandoned = SignalTracer(sink: dropped)
            let b = abandoned.declare("b", .wire(width: 8), initial: .bits(0))!
            for t in 0 ..< Tick(SignalTracer.batchSize + 10) { abandoned.record(b, at: t, .bits(UInt64(t % 3))) }
            abandoned.flush(before: 1_000_000)
        }
        #expect(dropped.endedAt == 1_000_000)
        #expect(dropped.changes.count > SignalTracer.batchSize)
    }
}

@Suite struct VCDWriterTests {
    @Test func identifierCodesAreUniqueForThousandsOfSignals() {
        let codes = (0..<20_000).map(VCDWriter.code)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.unicodeScalars.allSatisfy { (33...126).contains($0.value) } })
        #expect(VCDWriter.code(0) == "!" && VCDWriter.code(93).count == 1 && VCDWriter.code(94).count == 2)
    }

    @Test func writesWellFormedWiresVectorsRealsAndStrings() throws {
        let path = temporaryPath("t.vcd")
        let writer = try VCDWriter(path: path, version: "test")
        let tracer = SignalTracer(sink: writer)
        let w = tracer.declare("top.a.bit", .wire(width: 1), initial: .bits(0))!
        let v = tracer.declare("top.a.vec", .wire(width: 8), initial: .bits(0))!
        let r = tracer.declare("top.util", .real, initial: .real(0))!
        let s = tracer.declare("top.state", .string, initial: .string("I"))!
        tracer.record(w, at: 5, .bits(1))
        tracer.record(v, at: 5, .bits(10))
        tracer.record(r, at: 7, .real(0.25))
        tracer.record(s, at: 7, .string("IS D"))
        tracer.finish(at: 9)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("$timescale 1ps $end"))
        #expect(text.contains("$scope module top $end\n$scope module a $end\n$var wire 1 ! bit $end\n$var wire 8 \" vec [7:0] $end\n$upscope $end"))
        #expect(text.contains("$var real 64 # util $end") && text.contains("$var string 1 $ state $end"))
        #expect(text.contains("$dumpvars\n0!\nb0 \"\nr0.0 #\nsI $\n$end\n"))
        #expect(text.hasSuffix("#5\n1!\nb1010 \"\n#7\nr0.25 #\nsIS_D $\n#9\n"))
    }

    @Test func theLLCTracesItsTransactionsInFlight() throws {
        // Four cores over a small footprint keep the LLC busy: its `transactions` counter
        // rises with misses and writebacks and comes back to zero when the run drains.
        let config = try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: [
            "memory.remote_fraction=0", "workload.kind=uniform", "workload.accesses=2000", "workload.footprint=64KiB",
            "llc.size=16KiB", "trace.signals=llc0.transactions",
        ]))
        let simulation = try Simulation(config: config)
        let sink = MemorySink()
        simulation.trace(into: sink)
        _ = try simulation.run()
        #expect(sink.signals.map(\.path) == ["llc0.transactions"])
        let values = sink.changes.map { change -> UInt64 in if case .bits(let v) = change.value { v } else { .max } }
        #expect(values.count > 1_000)
        // Each of the 4 cores has at most 10 accesses in flight (core.max_outstanding), and
        // each miss holds at most two LLC transactions: its own and its victim's writeback.
        #expect(values.allSatisfy { $0 <= 4 * 10 * 2 }, "never negative (a wrapped count), never above what four cores can ask")
        #expect((values.max() ?? 0) >= 2 && values.last == 0)
    }

    @Test func watchedLinesShowTheirStateInEachCache() throws {
        let config = try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: [
            "system.model=private", "workload.kind=sequential", "workload.accesses=16", "workload.store_fraction=0", "trace.watch=0x40",
            "trace.signals=*.watch.*",
        ]))
        let simulation = try Simulation(config: config)
        let sink = MemorySink()
        simulation.trace(into: sink)
        _ = try simulation.run()
        #expect(sink.signals.map(\.path) == ["cpu0.l1d.watch.0x40", "cpu0.l2.watch.0x40"])
        let strings = simulation.tracer!.strings.texts
        let l1 = sink.changes.filter { $0.id == 0 }.map { value -> String in
            guard case .bits(let raw) = value.value else { return "?" }
            return strings[Int(raw)]
        }
        #expect(l1 == ["fill", "E"], "line 0x40 is fetched once and then present, clean: \(l1)")
        #expect(config.traceWatch == [0x40])
    }

    @Test func aRunTracedTwiceGivesTheSameBytes() throws {
        func trace() throws -> Data {
            let config = try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: ["workload.accesses=3000"]))
            let simulation = try Simulation(config: config)
            let path = temporaryPath("run.vcd")
            let writer = try VCDWriter(path: path, version: "test")
            simulation.trace(into: writer)
            _ = try simulation.run()
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        let a = try trace(), b = try trace()
        #expect(a == b && a.count > 10_000)
    }

    /// A sampled run with `trace.window` traces the span in detail: every timestamp of its VCD
    /// lies in the span, values change in it, the bytes are the full detailed run's with the
    /// same window, and the estimates and exact counts are those of the run without a trace.
    @Test func aSampledRunTracesItsWindowInDetailAndEstimatesTheSame() throws {
        let path = temporaryPath("sampled.vcd")
        let sampling = ["workload.accesses=2000", "run.sampling.period=500", "run.sampling.detailed_warmup=100",
                        "run.sampling.measure=200", "stats.dirty_interval=0"]
        func config(_ overrides: [String]) throws -> SimulationConfig {
            try SimulationConfig(KonaSchema.loader.load(text: EmbeddedDefault.yaml, name: EmbeddedDefault.name,
                                                        overrides: sampling + overrides))
        }
        let traced = try config(["run.sampling.enabled=true", "trace.window=2us..6us", "trace.vcd=\(path)"])
        #expect(SampledRun.unsupported(traced) == nil)
        #expect(SampledRun.unsupported(try config(["run.sampling.enabled=true", "trace.vcd=\(path)"]))?.contains("trace.window") == true)
        let run = try SampledRun(config: traced)
        let span = try run.traceSpan(into: try VCDWriter(path: path, version: "test"))
        #expect(span.report.simulatedTime == 6_000_000 && span.report.accesses > 0)
        let withTrace = try run.run()
        let withoutTrace = try SampledRun(config: try config(["run.sampling.enabled=true"])).run()
        #expect(withTrace.units == 4 && withTrace.detailedAccesses == withoutTrace.detailedAccesses)
        #expect(withTrace.estimates.map { [$0.mean, $0.halfWidth] } == withoutTrace.estimates.map { [$0.mean, $0.halfWidth] })
        #expect(withTrace.exactCounts.map(\.value) == withoutTrace.exactCounts.map(\.value))

        let text = try String(contentsOfFile: path, encoding: .utf8)
        let body = try #require(text.range(of: "$enddefinitions $end\n")).upperBound
        let lines = text[body...].split(separator: "\n")
        let times = lines.filter { $0.hasPrefix("#") }.map { UInt64($0.dropFirst())! }
        #expect(times.first == 2_000_000 && times.last == 6_000_000)
        #expect(times.allSatisfy { (2_000_000...6_000_000).contains($0) } && times == times.sorted())
        let changes = lines.drop { $0 != "$end" }.dropFirst().filter { !$0.hasPrefix("#") }
        #expect(changes.count > 1_000, "value changes inside the span: \(changes.count)")

        let detailedPath = temporaryPath("detailed.vcd")
        let detailed = try Simulation(config: try config(["trace.window=2us..6us"]))
        detailed.trace(into: try VCDWriter(path: detailedPath, version: "test"))
        _ = try detailed.run()
        #expect(try Data(contentsOf: URL(fileURLWithPath: detailedPath)) == Data(text.utf8))
    }

    @Test func aTracedKonaRunCountsNetworkOperationsAcrossFlushes() throws {
        // The embedded default (FMem, network), past many 10 us flushes with operations in
        // flight: each read is counted from its start to its end, and none is left over.
        let config = try SimulationConfig(KonaSchema.loader.load(text: EmbeddedDefault.yaml, name: EmbeddedDefault.name,
                                                                 overrides: ["workload.accesses=5000"]))
        let simulation = try Simulation(config: config)
        let sink = MemorySink()
        simulation.trace(into: sink)
        let r = try simulation.run()
        #expect(r.simulatedTime > 100_000_000, "longer than ten flushes")
        let id = Int32(sink.signals.firstIndex { $0.path == "net.reads_outstanding" }!)
        let values = sink.changes.filter { $0.id == id }.map(\.value)
        #expect(values.contains { $0 != .bits(0) } && values.last == .bits(0))
    }
}

@Suite struct SVGPlotTests {
    let rows: [[String: String]] = [
        ["size": "16KiB", "ways": "4", "amat": "10"], ["size": "16KiB", "ways": "4", "amat": "12"],
        ["size": "32KiB", "ways": "4", "amat": "8"], ["size": "16KiB", "ways": "8", "amat": "9"],
        ["size": "32KiB", "ways": "8", "amat": "7"],
    ]

    @Test func seriesPerGroupWithRepeatsAveragedAndUnitsRead() throws {
        let plot = try SVGPlot(rows: rows, x: "size", y: "amat", group: "ways", logX: true)
        #expect(plot.series.map(\.label) == ["ways = 4", "ways = 8"])
        #expect(plot.series[0].points.map(\.x) == [16_384, 32_768] && plot.series[0].points.map(\.y) == [11, 8])
        #expect(plot.xTicks.map(\.label) == ["16KiB", "32KiB"])
        let svg = plot.render()
        #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 4)
        #expect(svg.contains(">ways = 4<") && svg.contains(">amat<") && svg.contains("size (log scale)"))
    }

    @Test func aLogYAxisHasTicksAtPowersOfTenAroundTheData() throws {
        let rows = [["x": "1", "y": "950"], ["x": "2", "y": "1200000"]]
        let svg = try SVGPlot(rows: rows, x: "x", y: "y", group: nil, logX: false, logY: true).render()
        for tick in ["100", "1000", "10000", "100000", "1000000", "10000000"] { #expect(svg.contains(">\(tick)</text>")) }
        #expect(!svg.contains(">10</text>") && svg.contains("y (log scale)"))
        #expect(throws: PlotError.self) { try SVGPlot(rows: [["x": "1", "y": "0"]], x: "x", y: "y", group: nil, logX: false, logY: true) }
    }

    @Test func badColumnsAndValuesAreErrors() {
        #expect(throws: PlotError.self) { try SVGPlot(rows: rows, x: "nope", y: "amat", group: nil, logX: false) }
        #expect(throws: PlotError.self) { try SVGPlot(rows: [["x": "fast", "y": "1"]], x: "x", y: "y", group: nil, logX: false) }
        #expect(throws: PlotError.self) { try SVGPlot(rows: [["x": "0", "y": "1"]], x: "x", y: "y", group: nil, logX: true) }
    }

    @Test func ticksCoverTheData() {
        let ticks = SVGPlot.niceTicks(0, 74.9)
        #expect(ticks.first == 0 && ticks.last! >= 74.9 && ticks.count >= 3 && ticks.count <= 9)
    }
}
