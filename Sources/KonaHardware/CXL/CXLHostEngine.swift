import KonaProtocol

/// Executes `CXLHostProtocol`: the one executor of the host's table for a CXL HDM-DB range,
/// shared by the timed host bridge and the verifier (`CXLSystem`). It looks up the row for
/// (`line.state`, `event`) (a missing row is an error, never a default), performs its
/// actions on the line and through `CXLHostEffects`, and moves the line to the row's next state.
///
/// - Complexity: O(actions of the row) per event; allocates nothing itself.
public enum CXLHostEngine {
    /// Fires host `host`'s row for `event`; `message` and `packet` are what arrived from the
    /// device (nil for a core's operation). Returns the row's position in `table`.
    @discardableResult
    public static func run<E: CXLHostEffects>(_ event: CXLHostProtocol.Event, host: Int, message: CXLMessage?, packet: E.Packet?,
                                              line: inout CXLHostLine, table: CXLHostProtocol.Table,
                                              effects: inout E) throws(CXLProtocolError) -> Int {
        let state = line.state
        guard let r = table.rowIndex(state, event) else {
            throw CXLProtocolError(problem: "cxl-host host\(host): no row for (\(state.name), \(event.name))")
        }
        for i in Int(table.actionStarts[r])..<Int(table.actionStarts[r + 1]) {
            switch table.actionList[i] {
            case .sendMemRdData: effects.send(.MemRdData, from: host, keepsCopy: false)
            case .sendMemRd: effects.send(.MemRd, from: host, keepsCopy: false)
            case .sendMemInv: effects.send(.MemInv, from: host, keepsCopy: false)
            case .sendMemWrI: effects.send(.MemWr, from: host, keepsCopy: false)
            case .sendMemWrS, .sendMemWrA: effects.send(.MemWr, from: host, keepsCopy: true)
            case .sendMemWrPtl: effects.send(.MemWrPtl, from: host, keepsCopy: false)
            case .sendBIConflict: effects.send(.BIConflict, from: host, keepsCopy: false)
            case .sendBIRspI: effects.send(.BIRspI, from: host, keepsCopy: false)
            case .sendBIRspS: effects.send(.BIRspS, from: host, keepsCopy: false)
            case .sendBIRspE: effects.send(.BIRspE, from: host, keepsCopy: false)
            case .holdSnoop:
                guard let message, message.messageClass == .s2mBISnp, line.held == nil else {
                    throw CXLProtocolError(problem: "host\(host) (\(state.name), \(event.name)): holds a snoop it cannot keep")
                }
                line.held = message
            case .dropHeld: line.held = nil
            case .hit: try effects.hit(event, host: host)
            case .takeData: effects.takeData(packet, host: host)
            case .completeLoad: try effects.completeLoad(host: host)
            case .completeStore: effects.completeStore(host: host)
            case .dropCopy: effects.dropCopy(host: host)
            }
        }
        line.state = table.nextStates[r]
        return r
    }
}
