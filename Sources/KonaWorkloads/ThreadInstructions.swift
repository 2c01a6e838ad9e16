/// Turns a trace's records into the instruction counts of its accesses, per thread: an
/// access carries the instructions its thread executed since that thread's previous access
/// (`MemoryAccess.instructions`), whichever threads' records came between.
///
/// A thread's instructions after its last data record before another thread runs are an
/// `.instructions` record of that thread (`TraceRecord`); they are held here for the
/// thread's next access, and whatever a thread still holds when the stream ends is its
/// trailing instructions (`AccessSource.instructions` counts them then). The Lackey and the
/// binary reader both go through this, so a trace and its converted binary give every
/// access the same count. O(1) per record; no allocation for threads 0...63.
struct ThreadInstructions {
    private var small: [UInt64] = Array(repeating: 0, count: 64)   // held, by thread id < 64
    private var large: [UInt32: UInt64] = [:]                      // held, for the other ids
    /// Instructions held for all threads (not yet carried by an access).
    private(set) var held: UInt64 = 0

    /// Holds an `.instructions` record's count for its thread's next access.
    @inline(__always)
    mutating func hold(_ count: UInt64, thread: UInt32) {
        if thread < 64 { small[Int(thread)] &+= count } else { large[thread, default: 0] &+= count }
        held &+= count
    }

    /// The instructions of a data record of `thread` whose own count is `own`: `own` plus
    /// what the thread held, which it no longer holds.
    @inline(__always)
    mutating func take(_ own: UInt64, thread: UInt32) -> UInt64 {
        guard held > 0 else { return own }
        let mine: UInt64
        if thread < 64 {
            mine = small[Int(thread)]
            small[Int(thread)] = 0
        } else {
            mine = large.removeValue(forKey: thread) ?? 0
        }
        held &-= mine
        return own &+ mine
    }

    /// At the end of the stream: every thread's trailing instructions, no longer held.
    mutating func drain() -> UInt64 {
        let all = held
        if all > 0 {
            for i in small.indices { small[i] = 0 }
            large.removeAll()
            held = 0
        }
        return all
    }
}
