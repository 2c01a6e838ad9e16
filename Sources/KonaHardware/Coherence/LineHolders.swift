import KonaEngine
import KonaProtocol

/// What a directory records about who holds a line: a set of sharers (a bit per core or
/// socket) and at most one owner. The LLC's and the home's entries share this bookkeeping.
protocol LineHolders {
    var sharers: UInt64 { get set }
    var owner: Int? { get set }
}

extension LineHolders {
    /// `holder` gets a shared copy (and is no longer the owner).
    mutating func addSharer(_ holder: Int) {
        sharers |= 1 << UInt64(holder)
        if owner == holder { owner = nil }
    }

    /// `holder` no longer shares the line.
    mutating func removeSharer(_ holder: Int) { sharers &= ~(1 << UInt64(holder)) }

    /// `holder` becomes the only holder, as owner.
    mutating func makeOwner(_ holder: Int) {
        owner = holder
        sharers = 0
    }

    /// The downgraded owner keeps a shared copy.
    mutating func ownerToSharer() {
        if let o = owner {
            sharers |= 1 << UInt64(o)
            owner = nil
        }
    }
}
