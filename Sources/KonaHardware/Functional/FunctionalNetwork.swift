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
    /// The parts messages go to, unretained (the system owns them), by destination: called
    /// through `Unmanaged`'s guaranteed reference, so a delivery retains nothing.
    var complexes: ContiguousArray<Unmanaged<FunctionalComplex>> = []
    var llcs: ContiguousArray<Unmanaged<FunctionalLLC>> = []
    var homes: ContiguousArray<Unmanaged<FunctionalHome>> = []
    /// The paging home, home number `homes.count`, when remote memory is paged.
    var paging: Unmanaged<FunctionalPagingHome>?
    /// Messages delivered so far.
    private(set) var messages: UInt64 = 0

    func send(_ message: CoherenceMessage) { queue.append(message) }

    /// Whether no message waits for delivery.
    var isIdle: Bool { head == queue.count }

    /// Counts the messages of a transaction applied as one memoized step.
    @inline(__always) func countDelivered(_ count: UInt64) { messages &+= count }

    private func deliver(_ message: CoherenceMessage) throws(ProtocolViolation) {
        var failure: ProtocolViolation?
        switch message.destination {
        case .core(let c):
            complexes[c]._withUnsafeGuaranteedRef { part in
                do throws(ProtocolViolation) { try part.receive(message) } catch { failure = error }
            }
        case .llc(let s):
            llcs[s]._withUnsafeGuaranteedRef { part in
                do throws(ProtocolViolation) { try part.receive(message) } catch { failure = error }
            }
        case .home(let h):
            if h == homes.count { return try deliverToPaging(message) }
            homes[h]._withUnsafeGuaranteedRef { part in
                do throws(ProtocolViolation) { try part.receive(message) } catch { failure = error }
            }
        }
        if let failure { throw failure }
    }

    /// A message to the paging home (out of line: the FPGA and CPU homes' path stays as it was).
    @inline(never)
    private func deliverToPaging(_ message: CoherenceMessage) throws(ProtocolViolation) {
        var failure: ProtocolViolation?
        paging!._withUnsafeGuaranteedRef { part in
            do throws(ProtocolViolation) { try part.receive(message) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Delivers queued messages, and those their deliveries send, until none is left.
    func drain() throws(ProtocolViolation) {
        while head < queue.count {
            let message = queue[head]
            head += 1
            messages &+= 1
            try deliver(message)
        }
        guard head > 0 else { return }                // nothing was sent (a memoized access)
        head = 0
        queue.removeAll(keepingCapacity: true)
    }
}
