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

/// A stream of memory accesses for one core: a trace reader or a generator.
///
/// Consumers on the simulator's hot path take accesses in batches with `fill(_:)`, so a
/// dynamic call is paid once per batch; implementations must not allocate per access.
public protocol AccessSource: AnyObject {
    /// Writes the next access and returns true, or returns false when the stream has ended.
    /// - Throws: `WorkloadError` for malformed input.
    func next(into access: inout MemoryAccess) throws(WorkloadError) -> Bool
    /// Writes up to `buffer.count` next accesses into `buffer` and returns how many; fewer
    /// than asked only at the end of the stream (0 once it has ended).
    /// - Throws: `WorkloadError` for malformed input; accesses before it are lost.
    func fill(_ buffer: UnsafeMutableBufferPointer<MemoryAccess>) throws(WorkloadError) -> Int
    /// Instructions read so far: those the accesses handed out carry (`MemoryAccess.instructions`),
    /// and, once the stream has ended, any after its last access (Lackey `I` records).
    var instructions: UInt64 { get }
}

extension AccessSource {
    /// Fills by calling `next(into:)` repeatedly (statically dispatched per conformance).
    public func fill(_ buffer: UnsafeMutableBufferPointer<MemoryAccess>) throws(WorkloadError) -> Int {
        var n = 0
        while n < buffer.count {
            guard try next(into: &buffer[n]) else { break }
            n &+= 1
        }
        return n
    }
}

/// A problem with a workload's input: a malformed trace line, a corrupt block of a binary
/// trace, an unreadable file.
public struct WorkloadError: Error, Sendable, CustomStringConvertible {
    /// The trace file (or generator name).
    public var file: String
    /// 1-based line, or 0 when not about a line.
    public var line: Int
    /// Byte offset in the file (binary traces), or nil.
    public var byteOffset: UInt64?
    /// What is wrong.
    public var problem: String

    public init(file: String, line: Int, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    /// An error at byte `byteOffset` of `file`.
    public init(file: String, byteOffset: UInt64, problem: String) {
        self.file = file
        self.line = 0
        self.byteOffset = byteOffset
        self.problem = problem
    }

    public var description: String {
        if let byteOffset { return "\(file): byte \(byteOffset): \(problem)" }
        return line > 0 ? "\(file):\(line): \(problem)" : "\(file): \(problem)"
    }
}
