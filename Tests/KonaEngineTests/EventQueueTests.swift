import Testing
@testable import KonaEngine

@Suite struct EventQueueTests {
    @Test func popsInTimeThenPriorityThenInsertionOrder() {
        let q = EventQueue()
        let t = ComponentID(raw: 0)
        q.push(time: 50, priority: 128, target: t, kind: 0, payload: 1)
        q.push(time: 10, priority: 200, target: t, kind: 0, payload: 2)
        q.push(time: 10, priority: 100, target: t, kind: 0, payload: 3)
        q.push(time: 10, priority: 200, target: t, kind: 0, payload: 4)
        q.push(time: 50, priority: 128, target: t, kind: 0, payload: 5)
        var order: [UInt64] = []
        while let e = q.pop() { order.append(e.payload) }
        #expect(order == [3, 2, 4, 1, 5])
    }

    @Test func matchesASortedReferenceOnRandomMonotoneInput() {
        let q = EventQueue(capacity: 4)
        var rng = RandomStream(rawSeed: 99)
        var reference: [(UInt64, UInt8, UInt64)] = []
        var now: UInt64 = 0
        for i in 0..<5000 {
            // Pushes never precede the last pop, as in a simulation; spans vary widely.
            let time = now + (rng.next(below: 4) == 0 ? 0 : rng.next(below: 1 << rng.next(below: 40)))
            let prio = UInt8(rng.next(below: 3) * 100)
            q.push(time: time, priority: prio, target: ComponentID(raw: 1), kind: 7, payload: UInt64(i))
            reference.append((time, prio, UInt64(i)))
            if i % 3 == 0 {
                // interleave pops with pushes
                #expect(q.nextTime == reference.map(\.0).min()!)
                let popped = q.pop()!
                now = popped.time
                reference.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
                let expected = reference.removeFirst()
                #expect(popped.time == expected.0 && popped.payload == expected.2,
                        "popped (\(popped.time), \(popped.payload)), expected (\(expected.0), \(expected.2))")
            }
        }
        reference.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        for expected in reference {
            let e = q.pop()!
            #expect(e.time == expected.0 && e.priority == expected.1 && e.payload == expected.2)
        }
        #expect(q.isEmpty)
    }

    @Test func pushingBeforeTheLastPopIsRefused() async {
        await #expect(processExitsWith: .failure) {
            let q = EventQueue()
            q.push(time: 10, target: ComponentID(raw: 0), kind: 0, payload: 0)
            _ = q.pop()
            q.push(time: 9, target: ComponentID(raw: 0), kind: 0, payload: 0)
        }
    }

    @Test func eventIsSmallAndReferenceFree() {
        #expect(MemoryLayout<Event>.size == 32, "Event is \(MemoryLayout<Event>.size) bytes")
        #expect(_isPOD(Event.self))
    }
}

/// Records the order in which it is handed events; can schedule follow-ups.
final class Recorder: Component {
    let path: String
    var log: [(Tick, UInt64)] = []
    var id = ComponentID(raw: 0)
    var echo = false
    var pending: [String] = []
    init(path: String) { self.path = path }
    func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
        log.append((simulator.now, event.payload))
        if echo && event.payload < 1000 {
            simulator.schedule(at: simulator.now + 7 * (event.payload % 5 + 1), target: id, kind: 0, payload: event.payload + 100)
        }
    }
    func outstandingTransactions() -> [String] { pending }
}

@Suite struct SimulatorTests {
    private func trace(seed: UInt64) throws -> [(Tick, UInt64)] {
        let sim = Simulator()
        let r = Recorder(path: "r")
        r.echo = true
        r.id = sim.register(r)
        var rng = RandomStream(seed: seed, path: "test")
        for i in 0..<200 { sim.schedule(at: rng.next(below: 50), target: r.id, kind: 0, payload: UInt64(i)) }
        #expect(try sim.run() == .drained)
        return r.log
    }

    @Test func sameInputsGiveTheSameEventOrder() throws {
        let a = try trace(seed: 5), b = try trace(seed: 5), c = try trace(seed: 6)
        #expect(a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1))
        #expect(a.map(\.1) != c.map(\.1))
        #expect(zip(a, a.dropFirst()).allSatisfy { $0.0 <= $1.0 }, "time went backwards")
    }

    @Test func componentsAreFoundByTheirPath() {
        let sim = Simulator()
        let a = sim.register(Recorder(path: "cpu0.l1d")), b = sim.register(Recorder(path: "cpu1.l1d"))
        #expect(a != b && sim.id(of: "cpu0.l1d") == a && sim.id(of: "cpu1.l1d") == b && sim.id(of: "cpu2") == nil)
        #expect(ComponentPath.isValid("socket0.llc") && !ComponentPath.isValid("cpu0..l1d") && !ComponentPath.isValid("a b"))
    }

    @Test func stopsAtTheTimeLimitAndResumes() throws {
        let sim = Simulator()
        let r = Recorder(path: "r")
        r.id = sim.register(r)
        for t: Tick in [10, 20, 30, 40] { sim.schedule(at: t, target: r.id, kind: 0, payload: t) }
        #expect(try sim.run(until: 25) == .timeLimit)
        #expect(r.log.map(\.1) == [10, 20] && sim.now == 25)
        #expect(try sim.run() == .drained)
        #expect(r.log.map(\.1) == [10, 20, 30, 40])
    }

    /// Sends one request over a link (as components do: the link gives the arrival time, the
    /// simulator delivers the event then) and waits for the answer.
    final class Requester: Component {
        let path = "cpu0"
        var link = Link(latency: 5_000, bitsPerSecond: 0)
        var destination: ComponentID!
        var waiting = false
        func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) {
            if event.kind == 0 {                    // start: send the request
                waiting = true
                let arrival = link.transmit(bytes: 8, at: simulator.now)
                simulator.schedule(at: arrival, target: destination, kind: 1, payload: 0x40)
            } else {                                // the answer
                waiting = false
            }
        }
        func outstandingTransactions() -> [String] { waiting ? ["request for line 0x40 unanswered"] : [] }
    }

    /// Swallows every message: a deliberately lost response.
    final class BlackHole: Component {
        let path = "memory"
        var received = 0
        func handle(_ event: Event, in simulator: Simulator) throws(SimulationError) { received += 1 }
        func outstandingTransactions() -> [String] { [] }
    }

    @Test func aLostMessageIsReportedNotHung() {
        let sim = Simulator()
        let requester = Requester(), hole = BlackHole()
        let id = sim.register(requester)
        requester.destination = sim.register(hole)
        sim.schedule(at: 100, target: id, kind: 0)
        #expect {
            try sim.run()
        } throws: { error in
            guard let e = error as? SimulationError else { return false }
            return e.kind == .stuck && e.time == 5_100 && e.details == ["cpu0: request for line 0x40 unanswered"]
        }
        #expect(hole.received == 1)
    }

    @Test func stuckDetectorReportsOutstandingTransactions() {
        let sim = Simulator()
        let r = Recorder(path: "cpu0.l1d")
        r.pending = ["MSHR 0: line 0x40 waiting for data"]
        r.id = sim.register(r)
        sim.schedule(at: 5, target: r.id, kind: 0, payload: 1)
        #expect {
            try sim.run()
        } throws: { error in
            guard let e = error as? SimulationError else { return false }
            return e.kind == .stuck && e.time == 5 && e.details == ["cpu0.l1d: MSHR 0: line 0x40 waiting for data"]
        }
    }
}
