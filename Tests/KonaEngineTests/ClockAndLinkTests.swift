import Testing
@testable import KonaEngine

@Suite struct ClockDomainTests {
    @Test(arguments: [
        (UInt64(1_000_000_000), UInt64(1), Tick(1000)),          // 1 GHz: 1 ns per cycle
        (UInt64(2_400_000_000), UInt64(3), Tick(1250)),          // 2.4 GHz: 1250 ps per 3 cycles
        (UInt64(2_400_000_000), UInt64(1), Tick(417)),           // 416.67 ps rounds to 417
        (UInt64(400_000_000), UInt64(4), Tick(10_000)),          // 400 MHz FPGA: 2.5 ns per cycle
        (UInt64(3_000_000_000), UInt64(1), Tick(333)),
    ])
    func cyclesToTicks(hertz: UInt64, cycles: UInt64, ticks: Tick) {
        #expect(ClockDomain(hertz: hertz).ticks(forCycles: cycles) == ticks)
    }

    @Test func edgesStayExactOverLongRuns() {
        let clock = ClockDomain(hertz: 2_400_000_000)
        #expect(clock.tick(ofEdge: 2_400_000_000) == Ticks.s)       // no drift after a second
        #expect(clock.tick(ofEdge: 12) == 5000)
        #expect(clock.cycle(at: 5000) == 12)
        #expect(clock.cycle(at: 4999) == 11)
    }

    @Test func edgeCursorMatchesTheDividingFormula() {
        for hertz: UInt64 in [2_400_000_000, 3_000_000_000, 400_000_000, 7] {
            let clock = ClockDomain(hertz: hertz)
            var cursor = ClockDomain.EdgeCursor(clock: clock, cycle: 5)
            for _ in 0..<10_000 {
                #expect(cursor.tick == clock.tick(ofEdge: cursor.cycle))
                cursor.advance()
            }
            cursor.moveTo(cycle: 1_000_007)
            #expect(cursor.tick == clock.tick(ofEdge: 1_000_007))
            var rng = RandomStream(rawSeed: hertz)
            for _ in 0..<2000 {
                let target = cursor.tick + rng.next(below: rng.next(below: 2) == 0 ? 5000 : 1 << 42)
                cursor.advance(toAtOrAfter: target)
                #expect(cursor.tick == clock.nextEdge(atOrAfter: target) && cursor.tick == clock.tick(ofEdge: cursor.cycle))
            }
            for _ in 0..<2000 {
                // Jumps within one period (no division), and by whole cycles.
                let near = cursor.tick + 1 + rng.next(below: Ticks.s / hertz + 1)
                cursor.advance(toAtOrAfter: near)
                #expect(cursor.tick == clock.nextEdge(atOrAfter: near) && cursor.tick == clock.tick(ofEdge: cursor.cycle))
                // (Long jumps only on fast clocks: 7 Hz edges overflow 64-bit ticks after 2.6e9 cycles.)
                let cycles = hertz > 1000 && rng.next(below: 4) == 0 ? rng.next(below: 1 << 22) : rng.next(below: 3)
                let expected = cursor.cycle + cycles
                cursor.advance(by: cycles)
                #expect(cursor.cycle == expected && cursor.tick == clock.tick(ofEdge: expected))
            }
        }
    }

    @Test func nextEdgeAtOrAfter() {
        let clock = ClockDomain(hertz: 2_400_000_000)  // edges at 0, 416, 833, 1250, ...
        #expect(clock.nextEdge(atOrAfter: 0) == 0)
        #expect(clock.nextEdge(atOrAfter: 1) == 416)
        #expect(clock.nextEdge(atOrAfter: 416) == 416)
        #expect(clock.nextEdge(atOrAfter: 417) == 833)
        #expect(clock.nextEdge(atOrAfter: 1250) == 1250)
        for t: Tick in stride(from: 0, to: 100_000, by: 37) {
            let e = clock.nextEdge(atOrAfter: t)
            #expect(e >= t && clock.tick(ofEdge: clock.cycle(at: e)) == e)
            #expect(clock.cycle(at: e) == 0 || clock.tick(ofEdge: clock.cycle(at: e) - 1) < t)
        }
    }
}

@Suite struct LinkTests {
    @Test func messagesQueueBehindEarlierOnes() {
        // 8 Gbps = 1 byte per ns; 64-byte message takes 64 ns; latency 10 ns.
        var link = Link(latency: 10 * Ticks.ns, bitsPerSecond: 8_000_000_000)
        #expect(link.transmit(bytes: 64, at: 0) == 74 * Ticks.ns)
        #expect(link.transmit(bytes: 64, at: 0) == 138 * Ticks.ns)          // waits for the first
        #expect(link.transmit(bytes: 8, at: 500 * Ticks.ns) == 518 * Ticks.ns) // idle link: no wait
        #expect(link.busyTime == 136 * Ticks.ns && link.bytes == 136 && link.messages == 3)
    }

    @Test(arguments: [false, true])
    func messagesLeaveInStampOrderWhateverTheCallOrder(laterFirst: Bool) {
        // 1 byte per ns, 30-byte messages: one stamped 100 ns and one stamped 50 ns. In
        // either call order the 50 ns one leaves at 50 (arrives 90) and the 100 ns one at 100.
        var link = Link(latency: 10 * Ticks.ns, bitsPerSecond: 8_000_000_000)
        var early: Tick = 0, late: Tick = 0
        if laterFirst {
            late = link.transmit(bytes: 30, at: 100 * Ticks.ns)
            early = link.transmit(bytes: 30, at: 50 * Ticks.ns)
        } else {
            early = link.transmit(bytes: 30, at: 50 * Ticks.ns)
            late = link.transmit(bytes: 30, at: 100 * Ticks.ns)
        }
        #expect(early == 90 * Ticks.ns && late == 140 * Ticks.ns, "early \(early), late \(late)")
    }

    @Test func aMessageTakesTheFirstGapThatFitsIt() {
        // 1 byte per ns. Reserved: [100, 130) and [200, 230) ns. A 40-byte message stamped 60
        // takes [60, 100); one stamped 110 the gap after the first, [130, 170); a 90-byte one
        // stamped 0 fits no gap ([0, 60) is too short) and goes last, [230, 320); a 20-byte
        // one stamped 0 still finds [0, 20).
        var link = Link(latency: 0, bitsPerSecond: 8_000_000_000)
        #expect(link.transmit(bytes: 30, at: 100 * Ticks.ns) == 130 * Ticks.ns)
        #expect(link.transmit(bytes: 30, at: 200 * Ticks.ns) == 230 * Ticks.ns)
        #expect(link.transmit(bytes: 40, at: 60 * Ticks.ns) == 100 * Ticks.ns)     // [60, 100): touches the first
        #expect(link.transmit(bytes: 40, at: 110 * Ticks.ns) == 170 * Ticks.ns)    // [130, 170)
        #expect(link.transmit(bytes: 90, at: 0) == 320 * Ticks.ns)                 // [230, 320)
        #expect(link.transmit(bytes: 20, at: 0) == 20 * Ticks.ns)                  // [0, 20): still free
        #expect(link.busyTime == 250 * Ticks.ns && link.messages == 6)
    }

    @Test func reservationsNeverOverlapAndNeverStartBeforeTheirStamp() {
        // Random stamps that mostly advance and sometimes step back, with gaps: more busy
        // intervals than the calendar keeps. Every message must start at or after its stamp,
        // and no two may share the link.
        var link = Link(latency: 0, bitsPerSecond: 8_000_000_000)      // 1 byte per ns
        var random = RandomStream(seed: 7, path: "link")
        var clock: Tick = 0
        var taken: [(start: Tick, end: Tick)] = []
        for _ in 0..<5_000 {
            clock += random.next(below: 40) * Ticks.ns
            let stamp = random.next(below: 8) == 0 ? clock - min(clock, random.next(below: 300) * Ticks.ns) : clock
            let bytes = 1 + random.next(below: 50)
            let end = link.transmit(bytes: bytes, at: stamp)
            let start = end - bytes * Ticks.ns
            #expect(start >= stamp, "a message stamped \(stamp) left at \(start)")
            taken.append((start, end))
        }
        taken.sort { $0.start < $1.start }
        for (a, b) in zip(taken, taken.dropFirst()) where a.end > b.start {
            Issue.record("[\(a.start), \(a.end)) overlaps [\(b.start), \(b.end))")
            break
        }
        #expect(link.busyTime == taken.reduce(0) { $0 + $1.end - $1.start })
    }

    @Test func aTrainOfMessagesReservesWhatOneAtATimeWould() {
        // Trains (a block fill landing) among single messages with stamps that step back:
        // the train's shortcut must leave the calendar as `count` single transmissions do,
        // which every later message's arrival time and the counts would show.
        var trains = Link(latency: 3 * Ticks.ns, bitsPerSecond: 8_000_000_000)
        var singles = trains
        var random = RandomStream(seed: 11, path: "train")
        var clock: Tick = 0
        for _ in 0..<3_000 {
            clock += random.next(below: 40) * Ticks.ns
            let stamp = random.next(below: 4) == 0 ? clock - min(clock, random.next(below: 300) * Ticks.ns) : clock
            let bytes = 1 + random.next(below: 8) * 8
            if random.next(below: 3) == 0 {
                let count = 1 + Int(random.next(below: 40))
                trains.transmit(count: count, bytes: bytes, at: stamp)
                for _ in 0..<count { _ = singles.transmit(bytes: bytes, at: stamp) }
            } else {
                #expect(trains.transmit(bytes: bytes, at: stamp) == singles.transmit(bytes: bytes, at: stamp))
            }
            #expect(trains.busyUntil == singles.busyUntil)
        }
        #expect(trains.messages == singles.messages && trains.bytes == singles.bytes && trains.busyTime == singles.busyTime)
    }

    @Test func fractionalSerializationRoundsUp() {
        let link = Link(latency: 0, bitsPerSecond: 100_000_000_000)  // 100 Gbps: 72 B = 5.76 ns
        #expect(link.serializationTime(bytes: 72) == 5760)
        let slow = Link(latency: 0, bitsPerSecond: 3)
        #expect(slow.serializationTime(bytes: 1) == 2_666_666_666_667)
        #expect(Link(latency: 5, bitsPerSecond: 0).serializationTime(bytes: 1 << 20) == 0)
    }

    /// What components do with a link: its arrival time is when the simulator delivers.
    @Test func aLinksArrivalTimeDeliversTheEvent() throws {
        let sim = Simulator()
        let r = Recorder(path: "sink")
        r.id = sim.register(r)
        var link = Link(latency: 3, bitsPerSecond: 8_000_000_000_000)
        for payload: UInt64 in [42, 43] {                        // 10 B at 1 B/ps -> 10 ps + 3
            sim.schedule(at: link.transmit(bytes: 10, at: 0), target: r.id, kind: 1, payload: payload)
        }
        try sim.run()
        #expect(r.log.map(\.0) == [13, 23] && r.log.map(\.1) == [42, 43])
    }
}

@Suite struct LookupPortTests {
    @Test func anIdleStageAddsNoLatencyAndAFullCycleQueues() {
        // 1 GHz, two per cycle: five arrivals at 0.5 ns are accepted at 0.5, 0.5, 1, 1 and 2 ns.
        var port = LookupPort(clock: ClockDomain(hertz: 1_000_000_000), perCycle: 2)
        let accepted = (0..<5).map { _ in port.admit(at: 500) }
        #expect(accepted == [500, 500, 1_000, 1_000, 2_000])
        #expect(port.lookups == 5 && port.delayed == 3 && port.waitTime == 500 + 500 + 1_500)
        // The queue drains: an arrival in a later cycle with room goes at once.
        #expect(port.admit(at: 2_100) == 2_100)
        #expect(port.admit(at: 7_300) == 7_300)
    }

    @Test func aBacklogCarriesAcrossCycles() {
        // One per cycle at 2.4 GHz (edges at 0, 416, 833, 1250 ps): four arrivals at 0 go at
        // each edge in turn; a fifth at 900 ps waits for the edge after the backlog, 1,666 ps.
        var port = LookupPort(clock: ClockDomain(hertz: 2_400_000_000), perCycle: 1)
        #expect((0..<4).map { _ in port.admit(at: 0) } == [0, 416, 833, 1_250])
        #expect(port.admit(at: 900) == 1_666)
    }
}

@Suite struct StatisticsTests {
    @Test func registryReportsSortedFlatValues() {
        let stats = StatsRegistry()
        let c = stats.counter("b.hits", "hits", unit: "accesses")
        let a = stats.average("a.latency_ns", "latency", unit: "ns", scale: 1000)
        c.add(); c.add(4)
        a.record(UInt64(1000)); a.record(UInt64(3000))
        stats.formula("c.rate", "rate", unit: "ratio") { .real(0.5) }
        let values = stats.flatValues()
        #expect(values.map(\.name) == ["a.latency_ns", "b.hits", "c.rate"])
        #expect(values[0].value == .real(2.0) && values[1].value == .integer(5))
        #expect(stats.entry("b.hits")?.unit == "accesses")
    }

    @Test func distributionPercentilesAreWithinHistogramPrecision() {
        let d = Distribution()
        for v in 1...10_000 { d.record(UInt64(v)) }
        #expect(d.count == 10_000 && d.min == 1 && d.max == 10_000)
        #expect(abs(d.mean - 5000.5) < 1e-9)
        for (p, exact) in [(0.5, 5000.0), (0.9, 9000.0), (0.99, 9900.0)] {
            let got = Double(d.percentile(p))
            #expect(abs(got - exact) / exact < 0.016, "p\(p): \(got) vs \(exact)")
        }
        let small = Distribution()
        for v: UInt64 in [3, 3, 3, 60] { small.record(v) }
        #expect(small.percentile(0.5) == 3 && small.percentile(1.0) == 60)
    }

    @Test func randomStreamsDependOnSeedAndPath() {
        var a = RandomStream(seed: 1, path: "cpu0.l1d"), b = RandomStream(seed: 1, path: "cpu0.l1d")
        var c = RandomStream(seed: 1, path: "cpu1.l1d"), d = RandomStream(seed: 2, path: "cpu0.l1d")
        let xa = (0..<4).map { _ in a.next() }, xb = (0..<4).map { _ in b.next() }
        #expect(xa == xb)
        #expect(xa != (0..<4).map { _ in c.next() })
        #expect(xa != (0..<4).map { _ in d.next() })
        var r = RandomStream(rawSeed: 3)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 { counts[Int(r.next(below: 6))] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 }, "counts \(counts)")
    }
}
