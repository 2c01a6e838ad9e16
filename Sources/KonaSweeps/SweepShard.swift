/// Shard `index` of `count` of a sweep: the points whose index % count == index.
public struct SweepShard: Sendable, Equatable {
    public let index: Int
    public let count: Int

    /// Parses `i/N` with 0 <= i < N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else {
            throw SweepError(message: "--shard takes i/N with 0 <= i < N, e.g. 0/4")
        }
        index = i
        count = n
    }

    /// Whether point `point` belongs to this shard.
    public func contains(_ point: Int) -> Bool { point % count == index }
}
