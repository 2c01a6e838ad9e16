import Dispatch
import KonaEngine
import KonaWorkloads

/// The shadow dirty trackers of a functional run (`FunctionalRun`), fed on a thread of their
/// own: the run hands over its accesses 4,096 at a time and goes on applying accesses while
/// the trackers read them.
///
/// The trackers read the same log in the same chunks as when fed inline (every 4,096
/// accesses, all but the last logged; the rest at the end), in the order the chunks were
/// sent, so their figures do not depend on the thread. Only the feed's queue touches the
/// trackers and their log until `tracker` is read, which waits for the chunks sent.
final class TrackerFeed: @unchecked Sendable {
    /// Accesses per chunk handed to the trackers.
    static let chunk = 4096
    private let trackers: DirtyTracker
    private let log = IssueLog()
    private let queue = DispatchQueue(label: "konasim.dirty-trackers")
    /// Accesses not yet handed over, and how many were logged before them.
    private var pending: [MemoryAccess] = []
    private var sent: UInt64 = 0
    private var finished = false

    init(interval: UInt64) {
        trackers = DirtyTracker(interval: interval)
        pending.reserveCapacity(Self.chunk)
    }

    /// Logs the run's next accesses; every `chunk` of them goes to the trackers.
    func append(_ accesses: UnsafeBufferPointer<MemoryAccess>) {
        var rest = accesses[...]
        while !rest.isEmpty {
            let n = min(rest.count, Self.chunk - pending.count)
            pending.append(contentsOf: rest.prefix(n))
            rest = rest.dropFirst(n)
            if pending.count == Self.chunk { send() }
        }
    }

    private func send() {
        let accesses = pending, first = sent
        pending = []
        pending.reserveCapacity(Self.chunk)
        sent &+= UInt64(accesses.count)
        queue.async { [self] in
            for (i, access) in accesses.enumerated() { log.append(access, at: first &+ UInt64(i)) }
            trackers.observe([log], before: first &+ UInt64(accesses.count) &- 1)
        }
    }

    /// The run's accesses have ended: the trackers read the rest of the log and close their
    /// last interval. Once only.
    func finish() {
        guard !finished else { return }
        finished = true
        let accesses = pending, first = sent
        pending = []
        queue.async { [self] in
            for (i, access) in accesses.enumerated() { log.append(access, at: first &+ UInt64(i)) }
            trackers.finish([log])
        }
    }

    /// The trackers, once they have read every chunk sent.
    var tracker: DirtyTracker {
        queue.sync {}
        return trackers
    }
}
