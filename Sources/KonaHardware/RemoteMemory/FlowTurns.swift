import KonaEngine

/// The flows of one link direction with packets to send, in turn order: the flow whose next
/// packet has been ready longest first; equal times, the flow that joined first (the order
/// a scan of the flows in joining order finds). A binary heap of (ready, joined) keys, so
/// choosing a turn costs O(log flows) instead of a scan of every flow per packet.
struct FlowTurns {
    private struct Entry {
        var ready: Tick
        var joined: UInt64
        var flow: Int
    }

    private var heap: [Entry] = []
    private var joined: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }

    /// The flow whose turn it is and when its next packet is ready, if any flow is waiting.
    var first: (flow: Int, ready: Tick)? { heap.first.map { ($0.flow, $0.ready) } }

    /// Adds `flow`, whose next packet is ready at `ready`, after every flow already waiting.
    mutating func add(_ flow: Int, ready: Tick) {
        heap.append(Entry(ready: ready, joined: joined, flow: flow))
        joined &+= 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The first flow's next packet is now ready at `ready` (it keeps its place among equals).
    mutating func updateFirst(ready: Tick) {
        heap[0].ready = ready
        siftDown(0)
    }

    /// Removes the first flow (it has sent its last packet).
    mutating func removeFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var child = left
            if left + 1 < heap.count && Self.precedes(heap[left + 1], heap[left]) { child = left + 1 }
            guard Self.precedes(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            parent = child
        }
    }

    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.ready != b.ready ? a.ready < b.ready : a.joined < b.joined
    }
}
