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
        let entry = Entry(ready: ready, joined: joined, flow: flow)
        heap.append(entry)
        joined &+= 1
        // The entry rises through a hole: parents move down, it is stored once where it stops.
        heap.withUnsafeMutableBufferPointer { heap in
            var child = heap.count &- 1
            while child > 0 {
                let parent = (child &- 1) &>> 1
                guard Self.precedes(entry, heap[parent]) else { break }
                heap[child] = heap[parent]
                child = parent
            }
            heap[child] = entry
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

    /// Moves the entry at `start` down through a hole: children move up, it is stored once
    /// where it stops (the places of swapping it down, without the swaps' stores and checks).
    private mutating func siftDown(_ start: Int) {
        heap.withUnsafeMutableBufferPointer { heap in
            let entry = heap[start], count = heap.count
            var parent = start
            while true {
                let left = 2 &* parent &+ 1
                guard left < count else { break }
                var child = left
                if left &+ 1 < count && Self.precedes(heap[left &+ 1], heap[left]) { child = left &+ 1 }
                guard Self.precedes(heap[child], entry) else { break }
                heap[parent] = heap[child]
                parent = child
            }
            heap[parent] = entry
        }
    }

    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.ready != b.ready ? a.ready < b.ready : a.joined < b.joined
    }
}
