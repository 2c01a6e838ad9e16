/// Data-value tracking for verification of a timed run: every store writes a fresh value,
/// and every load must see the latest value stored to its line in coherence order (the
/// order in which the controllers perform stores, which single-writer/multiple-reader
/// makes a total order per line).
public final class ValueChecker {
    private var latest: [UInt64: UInt64] = [:]
    private var next: UInt64 = 1
    /// Loads checked.
    public private(set) var loadsChecked: UInt64 = 0
    /// Stores performed.
    public private(set) var storesPerformed: UInt64 = 0

    public init() {}

    /// A value no store has written yet.
    public func freshValue() -> UInt64 {
        defer { next += 1 }
        return next
    }

    /// Records a performed store, or checks a performed load; returns the problem, if any.
    public func check(_ line: UInt64, _ operation: CoreComplexController.Operation, _ value: UInt64, core: String) -> String? {
        switch operation {
        case .store(let v):
            storesPerformed += 1
            latest[line] = v
            return nil
        case .load:
            loadsChecked += 1
            let expected = latest[line] ?? 0
            if value == expected { return nil }
            return "data-value check: \(core) loaded \(value) from line 0x\(String(line << LineGeometry.lineShift, radix: 16)), but the latest value stored is \(expected)"
        }
    }

    /// Every line a store has written, ascending.
    public var storedLines: [UInt64] { latest.keys.sorted() }

    /// The latest value stored to `line` (0 if never stored).
    public func latestValue(_ line: UInt64) -> UInt64 { latest[line] ?? 0 }
}
