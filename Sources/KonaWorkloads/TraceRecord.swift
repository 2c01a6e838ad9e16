/// One record of a recorded trace, with the thread that made it: what `konasim trace`
/// converts, dumps and summarises. (Cores read `MemoryAccess`es instead.)
///
/// 32 bytes, no references.
public struct TraceRecord: Sendable, Equatable {
    /// What the record is.
    public enum Kind: UInt8, Sendable {
        /// A load (Lackey ` L`).
        case load = 0
        /// A store (Lackey ` S`).
        case store = 1
        /// A load then a store of the same bytes (Lackey ` M`).
        case modify = 2
        /// Only instructions, no data access: those a thread executed after its last data
        /// record before another thread ran or the trace ended (`address` and `size` are 0).
        case instructions = 3
    }

    public var kind: Kind
    /// The Valgrind thread id (1 for the main thread, and for a trace without `SCHED` lines).
    public var thread: UInt32
    /// Instructions (Lackey `I` lines) this thread executed since its previous record.
    public var instructions: UInt64
    /// Byte address (0 for `.instructions`).
    public var address: UInt64
    /// Size in bytes, 1...4096 (0 for `.instructions`).
    public var size: UInt32

    public init(kind: Kind, thread: UInt32, instructions: UInt64, address: UInt64 = 0, size: UInt32 = 0) {
        self.kind = kind
        self.thread = thread
        self.instructions = instructions
        self.address = address
        self.size = size
    }

    /// A placeholder record.
    public static let none = TraceRecord(kind: .instructions, thread: 0, instructions: 0)
}
