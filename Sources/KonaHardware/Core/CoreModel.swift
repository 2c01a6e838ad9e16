/// How a core executes the instructions between its accesses (`core.model`, `core.ipc`,
/// `core.rob_size`).
///
/// Instructions issue in program order at `ipc` per cycle, given as the fraction
/// `ipcNumerator / ipcDenominator` so that timing stays in whole cycles: instruction `j`
/// after a restart on edge `c` issues on edge `c + floor(j * den / num)`. A load waiting
/// for its data holds retirement: an instruction may issue only while fewer than
/// `window` instructions separate it from the oldest incomplete load (its own instruction
/// included), so an out-of-order core's window is its reorder buffer, and an in-order
/// core's is 1 (nothing after an incomplete load issues).
public struct CoreModel: Sendable, Equatable {
    /// Out-of-order (a reorder buffer) or in-order (stall at the first incomplete load).
    public enum Kind: String, Sendable, CaseIterable {
        case outOfOrder = "out_of_order"
        case inOrder = "in_order"
    }

    public var kind: Kind
    /// Reorder-buffer entries (out of order; ignored in order).
    public var robSize: Int
    /// Instructions per cycle = `ipcNumerator / ipcDenominator`, both at least 1.
    public var ipcNumerator: UInt64
    public var ipcDenominator: UInt64

    /// - Precondition: `robSize`, `ipcNumerator` and `ipcDenominator` are at least 1.
    public init(kind: Kind, robSize: Int, ipcNumerator: UInt64, ipcDenominator: UInt64 = 1) {
        precondition(robSize >= 1 && ipcNumerator >= 1 && ipcDenominator >= 1,
                     "rob size \(robSize) and ipc \(ipcNumerator)/\(ipcDenominator) must be positive")
        self.kind = kind
        self.robSize = robSize
        self.ipcNumerator = ipcNumerator
        self.ipcDenominator = ipcDenominator
    }

    /// The defaults of `hwconfigs/default.yaml`: a Skylake-SP core, 224-entry reorder
    /// buffer, 4 instructions per cycle.
    public static let skylake = CoreModel(kind: .outOfOrder, robSize: 224, ipcNumerator: 4)

    /// Instructions from the oldest incomplete load to the youngest that may issue.
    public var window: Int { kind == .inOrder ? 1 : robSize }
}
