import Testing
import KonaEngine
@testable import KonaHardware

@Suite struct FlowTurnsTests {
    /// Against the scan it replaces (the earliest ready, equal times the earliest joined):
    /// random joins, turns whose flow's next packet moves later, and last packets.
    @Test func choosesAsAScanInJoiningOrderWould() {
        var turns = FlowTurns()
        var reference: [(flow: Int, ready: Tick)] = []          // in joining order
        var random = RandomStream(seed: 5, path: "flowturns")
        for step in 0..<20_000 {
            if reference.isEmpty || random.next(below: 3) == 0 {
                let ready = random.next(below: 50)               // small range: many equal times
                turns.add(step, ready: ready)
                reference.append((step, ready))
            } else {
                var k = 0
                for i in reference.indices where reference[i].ready < reference[k].ready { k = i }
                #expect(turns.first?.flow == reference[k].flow && turns.first?.ready == reference[k].ready)
                if random.next(below: 2) == 0 {
                    turns.removeFirst()
                    reference.remove(at: k)
                } else {
                    let later = reference[k].ready + random.next(below: 20)
                    turns.updateFirst(ready: later)
                    reference[k].ready = later
                }
            }
            #expect(turns.isEmpty == reference.isEmpty)
        }
    }
}
