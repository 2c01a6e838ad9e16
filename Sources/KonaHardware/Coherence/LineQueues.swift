import KonaEngine

/// First-in-first-out queues of elements keyed by line (or block) number, with every
/// element in one pool of nodes that is reused, so that queuing an element allocates
/// nothing once the pool has grown to the run's peak (an array per line allocated and freed
/// per transaction was one of the hot path's costs).
///
/// A line's queue exists from its first `append` until `close`, and may be empty while it
/// exists: callers use "has a queue" as a state of its own (a private cache keeps a line's
/// queue while it walks it, so the walk's transitions see the line as waiting).
///
/// A class, its pool in buffers it owns: queuing and dequeuing check no uniqueness (the
/// pool's arrays cost a copy-on-write check on every change of a node).
final class LineQueues<Element> {
    /// One line's queue: its first and last node (-1 when empty) and its length.
    private struct Queue {
        var head: Int32 = -1
        var tail: Int32 = -1
        var count: Int32 = 0
    }

    private var queues = LineMap<Queue>()
    /// The pool: `used` nodes, each an element (initialized once the node is first used, and
    /// kept, perhaps stale, while the node is free) and the next node of its queue or of the
    /// free list (-1 ends either).
    private var elements: UnsafeMutablePointer<Element>
    private var next: UnsafeMutablePointer<Int32>
    private var capacity = 16
    private var used = 0
    private var free: Int32 = -1

    init() {
        elements = .allocate(capacity: capacity)
        next = .allocate(capacity: capacity)
    }

    deinit {
        elements.deinitialize(count: used)
        elements.deallocate()
        next.deallocate()
    }

    /// Lines that have a queue (empty ones included).
    var count: Int { queues.count }

    /// Whether `line` has a queue, even an empty one.
    @inline(__always) func contains(_ line: UInt64) -> Bool { queues[line] != nil }

    /// The length of `line`'s queue (0 if it has none).
    func count(of line: UInt64) -> Int { Int(queues[line]?.count ?? 0) }

    /// The first element of `line`'s queue.
    @inline(__always) func first(of line: UInt64) -> Element? {
        guard let q = queues[line], q.head >= 0 else { return nil }
        return elements[Int(q.head)]
    }

    /// Changes the first element of `line`'s queue, which must not be empty.
    @inline(__always) func updateFirst(of line: UInt64, _ body: (inout Element) -> Void) {
        body(&elements[Int(queues[line]!.head)])
    }

    /// Appends `element` to `line`'s queue, creating the queue if needed.
    func append(_ element: Element, to line: UInt64) {
        let node: Int32
        if free >= 0 {
            node = free
            free = next[Int(node)]
            elements[Int(node)] = element
        } else {
            if used == capacity { grow() }
            node = Int32(used)
            (elements + used).initialize(to: element)
            used += 1
        }
        next[Int(node)] = -1
        let found = queues.index(of: line)
        var q = found >= 0 ? queues.value(at: found) : Queue()
        if q.tail >= 0 { next[Int(q.tail)] = node } else { q.head = node }
        q.tail = node
        q.count += 1
        queues.update(line, to: q, hint: found)
    }

    /// Doubles the pool.
    private func grow() { growLinkedPool(&elements, links: &next, used: used, capacity: &capacity) }

    /// Removes and returns the first element of `line`'s queue (the queue stays, perhaps empty).
    @discardableResult
    func removeFirst(of line: UInt64) -> Element? {
        let found = queues.index(of: line)
        guard found >= 0 else { return nil }
        var q = queues.value(at: found)
        guard q.head >= 0 else { return nil }
        let node = q.head
        q.head = next[Int(node)]
        if q.head < 0 { q.tail = -1 }
        q.count -= 1
        queues.update(line, to: q, hint: found)
        next[Int(node)] = free
        free = node
        return elements[Int(node)]
    }

    /// Removes `line`'s queue, which must be empty.
    func close(_ line: UInt64) {
        let found = queues.index(of: line)
        precondition(found < 0 || queues.value(at: found).count == 0, "closing a queue that is not empty")
        queues.remove(line, hint: found)
    }

    /// The elements of `line`'s queue, in order (for reports and tests).
    func elements(of line: UInt64) -> [Element] {
        var out: [Element] = []
        var node = queues[line]?.head ?? -1
        while node >= 0 {
            out.append(elements[Int(node)])
            node = next[Int(node)]
        }
        return out
    }

    /// The lines that have a queue, in ascending order.
    var sortedLines: [UInt64] { queues.sortedKeys }
}
