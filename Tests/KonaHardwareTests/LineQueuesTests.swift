import Testing
import KonaEngine
@testable import KonaHardware

@Suite struct LineQueuesTests {
    /// Against an array per line: random appends, removals from the front, updates of the
    /// first element and closes agree, and freed nodes are reused.
    @Test func agreesWithAnArrayPerLine() {
        let queues = LineQueues<Int>()
        var reference: [UInt64: [Int]] = [:]
        var random = RandomStream(seed: 3, path: "linequeues")
        for step in 0..<50_000 {
            let line = random.next(below: 40)
            switch random.next(below: 4) {
            case 0, 1:
                queues.append(step, to: line)
                reference[line, default: []].append(step)
            case 2:
                #expect(queues.removeFirst(of: line) == (reference[line]?.isEmpty == false ? reference[line]!.removeFirst() : nil))
            default:
                if reference[line]?.isEmpty == false {
                    queues.updateFirst(of: line) { $0 = -$0 }
                    reference[line]![0] = -reference[line]![0]
                } else if reference[line] != nil {
                    queues.close(line)
                    reference[line] = nil
                }
            }
            #expect(queues.first(of: line) == reference[line]?.first)
            #expect(queues.contains(line) == (reference[line] != nil))
        }
        #expect(queues.count == reference.count && queues.sortedLines == reference.keys.sorted())
        for (line, elements) in reference { #expect(queues.elements(of: line) == elements && queues.count(of: line) == elements.count) }
    }
}
