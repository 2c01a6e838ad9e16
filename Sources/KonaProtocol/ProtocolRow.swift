/// One transition: in `state`, on `event`, perform `actions` in order and go to `next`.
public struct ProtocolRow<State: ProtocolVocabulary, Event: ProtocolVocabulary, Action: ProtocolVocabulary>: Sendable {
    public let state: State
    public let event: Event
    public let actions: [Action]
    public let next: State
    /// Why this transition exists, in one line.
    public let note: String

    /// Whether the row only parks the event until the line's state changes.
    public func isStall(_ stall: Action) -> Bool { actions == [stall] }
}
