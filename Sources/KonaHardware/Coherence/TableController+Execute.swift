import KonaProtocol

extension TableController {
    /// Executes the row for `event` on `line`: looks it up (a missing row is a protocol
    /// violation), parks `message` if the row is a stall (nil is returned), else runs
    /// `prepare` and the row's actions on the line's record, moves it to the row's next state
    /// (dropping the record in I) and reports the transition. `hint` is the line's slot in
    /// `lines` if the caller has just looked it up (checked before use), else -1.
    @inline(__always)
    func execute(_ event: Event, line: UInt64, message: CoherenceMessage?, hint: Int = -1,
                 prepare: (inout Line) -> Void = { _ in }) throws(ProtocolViolation) -> Transition<Line>? {
        let found = lines.holds(line, at: hint) ? hint : lines.index(of: line)
        var entry = found >= 0 ? lines.value(at: found) : Line()
        let before = entry.state
        let rows = self.rows
        guard let r = rows.rowIndex(before, event) else {
            throw ProtocolViolation(component: name, line: line, state: before.name, event: event.name,
                                    message: message?.description)
        }
        rowHits.hit(r)
        if rows.isStall(r, Self.stall) {
            parked.park(message!, on: line)
            onTransitionHook?._withUnsafeGuaranteedRef { $0.call(line, before, event, before) }
            return nil
        }
        prepare(&entry)
        for k in rows.actions(of: r) { perform(rows.action(at: k), line: line, entry: &entry, message: message) }
        let next = rows.next(r)
        entry.state = next
        // Written back through the slot found above (still checked: an action may have
        // changed the map), not by a second probe.
        if next == Self.invalid { lines.remove(line, hint: found) } else { lines.update(line, to: entry, hint: found) }
        onTransitionHook?._withUnsafeGuaranteedRef { $0.call(line, before, event, next) }
        return Transition(row: r, before: before, next: next, entry: entry)
    }

    /// After a transition that changed the line's state, the messages parked on it arrive
    /// again, in order.
    @inline(__always)
    func releaseParked(_ line: UInt64, after transition: Transition<Line>) throws(ProtocolViolation) {
        if transition.next != transition.before && hasParked {
            for message in parked.release(line) { try receive(message) }
        }
    }

    /// `execute`, then `releaseParked`: the whole step of a controller without special cases.
    @inline(__always)
    func fire(_ event: Event, line: UInt64, message: CoherenceMessage?,
              prepare: (inout Line) -> Void = { _ in }) throws(ProtocolViolation) {
        if let t = try execute(event, line: line, message: message, prepare: prepare) { try releaseParked(line, after: t) }
    }
}
