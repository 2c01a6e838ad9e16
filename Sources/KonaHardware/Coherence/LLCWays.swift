import KonaEngine
import KonaProtocol

/// The ways of a socket LLC kept in step with its controller: the inclusive tag array and the
/// writeback buffer, shared by the detailed `SocketLLC` and the functional `FunctionalLLC`
/// (the one place that decides which line holds a way).
///
/// A line takes a free way when it leaves I and frees it when it returns there; a line whose
/// writeback waits for its home's ack moves to the writeback buffer (its way freed) while an
/// entry is free, else keeps its way and waits for an entry, oldest first.
/// - Complexity: a transition is O(ways) for the tag array plus O(buffer entries) for the
///   buffer (a handful: a linear scan beats hashing); no allocation once the buffer has grown.
final class LLCWays {
    /// Presence and replacement order of the lines (the controller holds their states).
    let tags: TagStore
    /// Entries of the writeback buffer.
    let writebackBufferSize: Int
    /// The lines in the writeback buffer (in no particular order).
    private(set) var writebackBuffer: [UInt64] = []
    /// Lines that reached a writeback state while the buffer was full (they keep their way
    /// until an entry frees), oldest first.
    private var waitingForBuffer: [UInt64] = []
    private let path: String

    init(path: String, sets: Int, ways: Int, writebackBuffer: Int, seed: UInt64) {
        self.path = path
        tags = TagStore(sets: sets, ways: ways, policy: .lru, random: RandomStream(seed: seed, path: path + ".replacement"))
        writebackBufferSize = writebackBuffer
        self.writebackBuffer.reserveCapacity(writebackBuffer)
    }

    /// Whether `line` waits in the writeback buffer.
    func isBuffered(_ line: UInt64) -> Bool { writebackBuffer.contains(line) }

    /// The sets in which a transition freed a way (at most two: the line's own, and that of
    /// the line that took a writeback-buffer entry it left), -1 for none.
    struct FreedSets {
        var first = -1, second = -1
    }

    /// Follows `line`'s transition from `before` to `after` (a changed state); returns the
    /// sets in which a way was freed.
    @inline(__always)
    func track(_ line: UInt64, from before: LLCProtocol.State, to after: LLCProtocol.State) -> FreedSets {
        var freed = FreedSets()
        if after == .I {
            if let i = writebackBuffer.firstIndex(of: line) {
                writebackBuffer.swapAt(i, writebackBuffer.count - 1)
                writebackBuffer.removeLast()
                freed.first = tags.set(of: line)           // a request may wait for this line to leave
                if !waitingForBuffer.isEmpty {             // the entry goes to the oldest line waiting for one
                    freed.second = buffer(waitingForBuffer.removeFirst())
                }
            } else {
                let index = tags.find(line)
                precondition(index >= 0, "\(path): line \(line) returns to I from \(before) without a way")
                tags.invalidate(index)
                if !waitingForBuffer.isEmpty { waitingForBuffer.removeAll { $0 == line } }
                freed.first = tags.set(of: line)
            }
        } else if Self.writingBack(after) && !Self.writingBack(before) {
            if writebackBuffer.count < writebackBufferSize { freed.first = buffer(line) } else { waitingForBuffer.append(line) }
        } else if before == .I {
            let set = tags.set(of: line)
            let index = tags.victim(inSet: set)
            precondition(tags.line(at: index) == TagStore.invalid,
                         "\(path): line \(line) leaves I, but all \(tags.ways) ways of set \(set) hold lines not in I")
            tags.install(line, at: index, dirty: false, readyAt: 0)
        }
        return freed
    }

    /// `line` leaves I into way `index`, the way `track` would give it (its set's first free
    /// way, found by the caller).
    @inline(__always)
    func take(_ line: UInt64, at index: Int) { tags.install(line, at: index, dirty: false, readyAt: 0) }

    /// The line in way `index` returns to I while no line is in the writeback buffer or waits
    /// for an entry: `track`'s freeing of its way, found by the caller.
    @inline(__always)
    func release(at index: Int) { tags.invalidate(index) }

    /// Moves `line`, whose writeback waits for the home's ack, from its way to the writeback
    /// buffer; returns the set whose way it freed.
    private func buffer(_ line: UInt64) -> Int {
        let index = tags.find(line)
        precondition(index >= 0, "\(path): line \(line) enters the writeback buffer without a way")
        tags.invalidate(index)
        writebackBuffer.append(line)
        return tags.set(of: line)
    }

    /// Whether a line in `state` may be replaced (no transaction on it).
    @inline(__always) static func replaceable(_ state: LLCProtocol.State) -> Bool { state == .S || state == .E || state == .M }

    /// Whether a line in `state` has been written back and waits for the home's ack (its cores
    /// no longer hold it): it may wait in the writeback buffer rather than in a way.
    @inline(__always) static func writingBack(_ state: LLCProtocol.State) -> Bool {
        switch state {
        case .MI_A, .EI_A, .SI_A, .II_A: true
        default: false
        }
    }

    /// Whether a line in `state` is on its way to I (replaced, or invalidated by its home):
    /// a request for it needs a new way once it has left.
    @inline(__always) static func leaving(_ state: LLCProtocol.State) -> Bool {
        switch state {
        case .SEV_I, .EEV_I, .MEV_I, .MI_A, .EI_A, .SI_A, .II_A, .SSNP_I, .ESNP_I, .MSNP_I: true
        default: false
        }
    }
}
