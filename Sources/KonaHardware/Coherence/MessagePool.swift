/// Messages in flight, stored by slot so that an event carries only the slot number;
/// slots are reused (last freed, first reused), so a pool stops allocating once it has
/// grown to the traffic in flight. Storage is one flat buffer owned by the pool's holder
/// (an `Interconnect`), so storing and taking check no uniqueness and count no references.
public final class MessagePool {
    private var messages: UnsafeMutablePointer<CoherenceMessage>
    /// For a free slot, the next free one (-1 ends the list).
    private var nextFree: UnsafeMutablePointer<Int32>
    private var capacity: Int
    private var used = 0
    private var firstFree: Int32 = -1

    public init(capacity: Int = 64) {
        self.capacity = capacity
        messages = .allocate(capacity: capacity)
        nextFree = .allocate(capacity: capacity)
    }

    deinit {
        messages.deinitialize(count: used)
        messages.deallocate()
        nextFree.deallocate()
    }

    /// Stores `message` and returns its slot.
    @inline(__always)
    public func store(_ message: CoherenceMessage) -> Int {
        if firstFree >= 0 {
            let slot = Int(firstFree)
            firstFree = nextFree[slot]
            messages[slot] = message
            return slot
        }
        if used == capacity { grow() }
        (messages + used).initialize(to: message)
        used += 1
        return used - 1
    }

    /// Returns the message in `slot` and frees the slot.
    @inline(__always)
    public func take(_ slot: Int) -> CoherenceMessage {
        precondition(slot < used, "no message in slot \(slot)")
        nextFree[slot] = firstFree
        firstFree = Int32(slot)
        return messages[slot]
    }

    private func grow() { growLinkedPool(&messages, links: &nextFree, used: used, capacity: &capacity) }
}
