import KonaProtocol

/// Carries the functional model's coherence messages: a FIFO queue with no time, drained
/// after every access so that each access's transactions complete before the next begins.
///
/// Delivery is in send order (breadth first over the transaction's messages). A delivery may
/// drain the queue again (an FMem miss recalls a victim's lines and waits for them home);
/// the loop is re-entrant because it reads each message by value.
/// - Complexity: O(1) per message; the queue's storage grows once to the longest
///   transaction's message count and is reused.
final class FunctionalNetwork: CoherenceNetwork {
    private var queue: [CoherenceMessage] = []
    private var head = 0
    /// Where each message goes; set by the system once its parts exist.
    var deliver: ((CoherenceMessage) throws(ProtocolViolation) -> Void)?
    /// Messages delivered so far.
    private(set) var messages: UInt64 = 0

    func send(_ message: CoherenceMessage) { queue.append(message) }

    /// Delivers queued messages, and those their deliveries send, until none is left.
    func drain() throws(ProtocolViolation) {
        while head < queue.count {
            let message = queue[head]
            head += 1
            messages &+= 1
            try deliver!(message)
        }
        head = 0
        queue.removeAll(keepingCapacity: true)
    }
}
