import KonaEngine
import KonaProtocol

/// The device coherence engine's finite snoop filter (CXL HDM-DB): `entries` entries of
/// `CXLDeviceEntry` in `entries / ways` sets, one per line that hosts may cache. A line needs
/// an entry before a host may take a copy; when its set is full, a stable entry is chosen by
/// the replacement policy and must be given up first (the `Evict` row: its hosts are
/// back-invalidated), and a set whose entries are all in a transaction cannot take the line
/// until one ends. An entry is freed when it returns to I.
///
/// Storage is a `TagStore` of the lines plus a flat array of entries indexed like its ways,
/// allocated once: lookup is O(ways) and allocates nothing.
/// - Invariant: a way holds a line exactly when its entry is allocated; an entry in I holds
///   no host (`checkInvariants`).
public final class CXLSnoopFilter {
    /// What `allocate` found for a line without an entry.
    public enum Allocation: Equatable, Sendable {
        /// The line has a new entry, in state I, at this index.
        case installed(Int)
        /// The set is full: the stable entry at this index, of this line, must be given up first.
        case evict(index: Int, line: UInt64)
        /// The set is full and every entry is in a transaction: try again when one ends.
        case busy
    }

    /// The lines holding entries.
    public let tags: TagStore
    /// The entries, indexed like `tags`' ways.
    public private(set) var entries: ContiguousArray<CXLDeviceEntry>
    /// Entries allocated now.
    public private(set) var occupied = 0
    /// Lines that found their entry, and lines that needed one.
    public private(set) var (hits, allocations): (UInt64, UInt64) = (0, 0)

    /// A filter of `entries` entries, `ways` per set.
    /// - Precondition: `entries` is a multiple of `ways` and `entries / ways` a power of two.
    public init(entries: Int, ways: Int, policy: ReplacementPolicy, random: RandomStream) {
        precondition(ways >= 1 && entries >= ways && entries % ways == 0,
                     "snoop filter of \(entries) entries cannot have sets of \(ways) ways")
        tags = TagStore(sets: entries / ways, ways: ways, policy: policy, random: random)
        self.entries = ContiguousArray(repeating: CXLDeviceEntry(), count: entries)
    }

    /// The index of `line`'s entry, or -1. A found entry counts as a hit and is touched for LRU.
    public func find(_ line: UInt64) -> Int {
        let i = tags.find(line)
        if i >= 0 {
            hits += 1
            tags.touch(i)
        }
        return i
    }

    /// The entry at `index`.
    public subscript(index: Int) -> CXLDeviceEntry {
        get { entries[index] }
        set { entries[index] = newValue }
    }

    /// An entry for `line`, which has none: a free way if its set has one, else the policy's
    /// victim if stable, else the least recently used stable entry; `.busy` if none is.
    public func allocate(_ line: UInt64) -> Allocation {
        let set = tags.set(of: line)
        var i = tags.victim(inSet: set)
        if tags.line(at: i) == TagStore.invalid {
            allocations += 1
            occupied += 1
            tags.install(line, at: i, dirty: false, readyAt: 0)
            entries[i] = CXLDeviceEntry()
            return .installed(i)
        }
        if !entries[i].isStable {
            guard let stable = tags.oldest(inSet: set, where: { self.entries[self.tags.find($0)].isStable }) else { return .busy }
            i = stable
        }
        return .evict(index: i, line: tags.line(at: i))
    }

    /// Frees the entry at `index` (its line returned to I).
    /// - Precondition: the entry is in I.
    public func free(_ index: Int) {
        precondition(entries[index].state == .I, "snoop filter entry \(index) freed in \(entries[index].state.name)")
        tags.invalidate(index)
        entries[index] = CXLDeviceEntry()
        occupied -= 1
    }

    /// Checks that no line holds two entries and that every allocated entry not in I lists a
    /// host or is in a transaction.
    public func checkInvariants() {
        tags.checkInvariants()
        var count = 0
        for i in entries.indices where tags.line(at: i) != TagStore.invalid {
            count += 1
            let e = entries[i]
            precondition(e.state != .S || e.sharers != 0, "entry \(i) in S lists no sharer")
            precondition(e.state != .E || e.owner >= 0, "entry \(i) in E has no owner")
        }
        precondition(count == occupied, "\(count) ways hold lines, \(occupied) entries counted")
    }
}
