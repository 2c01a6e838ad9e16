/// Builds rows SLICC-style: several states and events share one line of the table.
public struct RowBuilder<State: ProtocolVocabulary, Event: ProtocolVocabulary, Action: ProtocolVocabulary> {
    public private(set) var rows: [ProtocolRow<State, Event, Action>] = []
    public init() {}

    /// Adds one row per `(state, event)` combination; `next` nil keeps the state.
    public mutating func add(_ states: [State], _ events: [Event], _ actions: [Action], _ next: State? = nil,
                             _ note: String) {
        for state in states {
            for event in events {
                rows.append(ProtocolRow(state: state, event: event, actions: actions, next: next ?? state, note: note))
            }
        }
    }
}
