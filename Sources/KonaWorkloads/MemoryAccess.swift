/// One memory operation issued by a core.
///
/// 24 bytes, no references. `size` is in bytes; after `LineSplitter`, an access never
/// crosses a 64-byte line.
public struct MemoryAccess: Sendable, Equatable {
    /// Whether a load or a store.
    public enum Kind: UInt8, Sendable {
        case load, store
    }

    /// Byte address.
    public var address: UInt64
    /// Size in bytes (at least 1).
    public var size: UInt32
    /// Load or store.
    public var kind: Kind
    /// Whether the address depends on the previous access's data (pointer chasing):
    /// the core issues it only after every earlier access has completed.
    public var dependent: Bool
    /// Whether this access is a later part of the same data record as the access before it
    /// (the store of a Lackey `M`, a piece after the first of an access split at a line
    /// boundary): the dirty trackers count records, not pieces.
    public var continuesRecord: Bool
    /// Instructions the core executes for this access, its own included: the instructions
    /// since the previous access, the last of which makes this access (a trace's `I`
    /// records before it: its own thread's since that thread's previous access, whichever
    /// threads ran between). 0: the access belongs to the instruction of the access before
    /// it (the store of a Lackey `M`, a later piece of a split access, a second data record
    /// of one instruction), or the stream has no instructions at all.
    public var instructions: UInt32

    public init(address: UInt64, size: UInt32, kind: Kind, dependent: Bool = false, continuesRecord: Bool = false,
                instructions: UInt32 = 0) {
        self.address = address
        self.size = size
        self.kind = kind
        self.dependent = dependent
        self.continuesRecord = continuesRecord
        self.instructions = instructions
    }

    /// A placeholder access (address 0, load of 1 byte).
    public static let none = MemoryAccess(address: 0, size: 1, kind: .load)
}
