/// Messages in flight, stored by slot so that an event carries only the slot number;
/// slots are reused, so a pool stops allocating once it has grown to the traffic in flight.
public struct MessagePool {
    private var messages: [CoherenceMessage] = []
    private var freeSlots: [Int] = []

    public init() {}

    /// Stores `message` and returns its slot.
    public mutating func store(_ message: CoherenceMessage) -> Int {
        if let slot = freeSlots.popLast() {
            messages[slot] = message
            return slot
        }
        messages.append(message)
        return messages.count - 1
    }

    /// Removes and returns the message in `slot`.
    public mutating func take(_ slot: Int) -> CoherenceMessage {
        freeSlots.append(slot)
        return messages[slot]
    }
}
