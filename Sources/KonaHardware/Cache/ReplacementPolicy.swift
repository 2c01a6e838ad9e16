/// How a set-associative structure picks a victim among valid ways.
public enum ReplacementPolicy: String, Sendable, CaseIterable {
    /// Least recently used: demand hits refresh a way.
    case lru
    /// First in, first out: the oldest filled way goes first; hits change nothing.
    case fifo
    /// A uniformly random way, from the cache's own seeded stream.
    case random
}
