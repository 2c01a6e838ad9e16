/// A protocol table's lookup data in raw buffers that live as long as the table: what an
/// executor reads on every step. Arrays read across a row's actions are retained and
/// released on every step; these pointers are not reference counted.
public struct FlatRows<State: ProtocolVocabulary, Event: ProtocolVocabulary, Action: ProtocolVocabulary>: @unchecked Sendable {
    /// The row position of `(state, event)` at `state.rawValue * eventCount + event.rawValue`, -1 for none.
    @usableFromInline let index: UnsafeMutablePointer<Int32>
    @usableFromInline let eventCount: Int
    /// Each row's next state.
    @usableFromInline let nextStates: UnsafeMutablePointer<State>
    /// Row `i`'s actions are `actionList[actionStarts[i] ..< actionStarts[i + 1]]`.
    @usableFromInline let actionStarts: UnsafeMutablePointer<Int32>
    @usableFromInline let actionList: UnsafeMutablePointer<Action>

    /// The position of the row for `(state, event)`, or nil.
    @inlinable @inline(__always)
    public func rowIndex(_ state: State, _ event: Event) -> Int? {
        let i = index[state.rawValue &* eventCount &+ event.rawValue]
        return i < 0 ? nil : Int(i)
    }

    /// Row `r`'s next state.
    @inlinable @inline(__always) public func next(_ r: Int) -> State { nextStates[r] }

    /// Row `r`'s actions, as positions in `action(at:)`.
    @inlinable @inline(__always) public func actions(of r: Int) -> Range<Int> { Int(actionStarts[r]) ..< Int(actionStarts[r &+ 1]) }

    /// The action at position `k` of the table's action list.
    @inlinable @inline(__always) public func action(at k: Int) -> Action { actionList[k] }

    /// Whether row `r` only parks its event (its one action is `stall`).
    @inlinable @inline(__always)
    public func isStall(_ r: Int, _ stall: Action) -> Bool {
        actionStarts[r &+ 1] &- actionStarts[r] == 1 && actionList[Int(actionStarts[r])] == stall
    }
}

/// Owns a table's `FlatRows` buffers (immutable once built).
final class FlatRowStorage<State: ProtocolVocabulary, Event: ProtocolVocabulary, Action: ProtocolVocabulary>: @unchecked Sendable {
    let rows: FlatRows<State, Event, Action>
    private let counts: (index: Int, rows: Int, actions: Int)

    init(index: [Int32], eventCount: Int, nextStates: [State], actionStarts: [Int32], actionList: [Action]) {
        func copy<T>(_ array: [T]) -> UnsafeMutablePointer<T> {
            let buffer = UnsafeMutablePointer<T>.allocate(capacity: max(1, array.count))
            buffer.initialize(from: array, count: array.count)
            return buffer
        }
        rows = FlatRows(index: copy(index), eventCount: eventCount, nextStates: copy(nextStates),
                        actionStarts: copy(actionStarts), actionList: copy(actionList))
        counts = (index.count, nextStates.count, actionList.count)
    }

    deinit {
        rows.index.deallocate()
        rows.nextStates.deinitialize(count: counts.rows).deallocate()
        rows.actionStarts.deallocate()
        rows.actionList.deinitialize(count: counts.actions).deallocate()
    }
}
