import KonaHardware

// The expansion of a state, with the partial-order reduction (ample sets of one line).
extension ExplorerWorker {
    /// Takes the steps enabled in `state` and returns the successors to keep.
    ///
    /// With `reduce` (more than one line), the partial-order reduction: if the steps of one
    /// line form an ample set (see `ProtocolExplorer`), and every successor they lead to is
    /// new (`visited` says no), only they are taken; otherwise every enabled step is. Every
    /// step on a line is checked to leave the other lines as they were.
    func expand(_ state: ArraySlice<UInt8>, reduce: Bool, visited: (UInt64) -> Bool) -> Expansion {
        var result = Expansion()
        load(state)
        let saved = save()
        var before = ExplorerState(agents: 0, lines: 0), after = before
        swap(&before, &self.before)
        swap(&after, &self.after)
        defer {
            swap(&before, &self.before)
            swap(&after, &self.after)
        }
        if reduce { snapshot(into: &before) }
        let actions = enabled()
        result.pending = pendingOperations()
        if actions.isEmpty, let stuck = workLeft() {
            result.violation = ("deadlock: \(stuck), and no step is enabled", nil)
            return result
        }
        /// Takes step `k`; false if it broke an invariant (recorded in `result`).
        func step(_ k: Int, into children: inout [Child]) -> Bool {
            restore(saved)
            result.transitions += 1
            if let problem = take(actions[k]) ?? check() {
                result.violation = (problem, k)
                return false
            }
            snapshot(into: &after)
            if reduce, before.block == 0, after.block == 0, let line = self.line(of: actions[k]),
               !after.sameExcept(line: line, as: before) {
                result.violation = ("the step changed another line's state: the lines are not independent, so the partial-order reduction (konasim verify --reduction none) does not apply", k)
                return false
            }
            let j = canonical(after)
            children.append(Child(index: successors.count, hash: ProtocolExplorer.hash(best), action: Int32(k), permutation: UInt8(j)))
            successors.append(best)
            return true
        }
        if reduce {
            for candidate in ampleCandidates(actions, before) {
                var children: [Child] = []
                var allNew = true
                for k in candidate {
                    guard step(k, into: &children) else { return result }
                    if visited(children[children.count - 1].hash) { allNew = false; break }
                }
                if allNew {
                    result.children = children
                    result.full = false
                    return result
                }
            }
        }
        var children: [Child] = []
        for k in actions.indices {
            guard step(k, into: &children) else { return result }
        }
        result.children = children
        return result
    }

    /// Sets of steps that may stand for all (each one line's enabled steps), fewest first.
    ///
    /// A line's steps commute with every other line's (each changes only its own line, which
    /// `expand` checks), and only its own steps can enable more of its steps (channels are
    /// ordered per line), so taking only them ignores no interleaving that matters: the
    /// condition C1 of ample sets. With the FPGA home the block is shared by every line, so
    /// the set must also be unable to let an eviction start before one of its steps: the block
    /// is resident, no eviction is enabled, and the line's home entry is busy or has parked
    /// messages (so no other line's steps can make every entry stable). Under `operations`, a
    /// line whose steps would start an operation is no candidate: the bound is shared.
    private func ampleCandidates(_ actions: [Action], _ state: ExplorerState) -> [[Int]] {
        var byLine = [[Int]](repeating: [], count: lineCount)
        var starts = [Bool](repeating: false, count: lineCount)
        for (k, action) in actions.enumerated() {
            guard let l = line(of: action) else { return [] }
            byLine[l].append(k)
            if case .deliver = action {} else { starts[l] = true }
        }
        var candidates: [[Int]] = []
        for l in 0..<lineCount where !byLine[l].isEmpty && byLine[l].count < actions.count {
            // Under a bound on operations, starting one uses up what another line could start.
            if configuration.operations != nil && starts[l] { continue }
            if configuration.home.isFPGA {
                guard state.block == 0 else { return [] }
                let busy = !DirectoryController.isStable(home.state(UInt64(l))) || !home.parkedMessages(UInt64(l)).isEmpty
                guard busy else { continue }
            }
            candidates.append(byLine[l])
        }
        return candidates.sorted { $0.count < $1.count }
    }

    private func line(of action: Action) -> Int? {
        switch action {
        case .load(_, let l), .store(_, let l), .evict(_, let l), .replace(_, let l): Int(l)
        case .evictBlock: nil
        case .deliver(let key, _): (key >> 2) & 0xff
        }
    }
}
