import KonaHardware
import KonaProtocol

// The steps enabled in a state, taking one, and the invariants checked after it.
extension ExplorerWorker {
    func enabled() -> [Action] {
        var actions: [Action] = []
        for a in 0..<n where operationsLeft > 0 {
            for l in 0..<UInt64(lineCount) where cores[a].pendingOperation(l) == nil {
                let s = cores[a].state(l)
                switch s {
                case .I, .S, .E, .M: break
                default: continue
                }
                actions.append(.load(a, l))
                actions.append(.store(a, l))
                if s != .I { actions.append(.evict(a, l)) }
            }
        }
        for a in 0..<n where operationsLeft > 0 {
            for l in 0..<UInt64(lineCount) {
                let s = llcs[a].state(l)
                switch s {
                case .S, .E, .M: if tables.llc.rowIndex(s, .Replace) != nil { actions.append(.replace(a, l)) }
                default: break
                }
            }
        }
        if configuration.home.isFPGA && block == 0 && operationsLeft > 0
            && (0..<UInt64(lineCount)).allSatisfy({ DirectoryController.isStable(home.state($0)) && home.parkedMessages($0).isEmpty }) {
            actions.append(.evictBlock)
        }
        for (key, queue) in channels {
            for i in queue.indices {
                if configuration.ordering == .fifo && i > 0 { break }
                if configuration.home.isFPGA && block == 1 && isRequestToHome(queue[i]) { continue }
                actions.append(.deliver(channel: key, index: i))
            }
        }
        return actions
    }

    /// How a step reads in a counterexample.
    func name(_ action: Action) -> String {
        switch action {
        case .load(let a, let l): "core\(a) loads line \(l)"
        case .store(let a, let l): "core\(a) stores to line \(l)"
        case .evict(let a, let l): "core\(a) evicts line \(l)"
        case .replace(let a, let l): "llc\(a) replaces line \(l)"
        case .evictBlock: "the FPGA starts evicting its FMem block"
        case .deliver(let c, let i): "deliver \(channels.first { $0.key == c }!.messages[i])"
        }
    }

    private func isRequestToHome(_ m: CoherenceMessage) -> Bool {
        guard case .home = m.destination else { return false }
        switch m.kind {
        case .RdShared, .RdOwn, .UpgradeReq: return true
        default: return false
        }
    }

    /// Takes `action` in the loaded state; a problem it met (a missing row, a failed check).
    func take(_ action: Action) -> String? {
        failure = nil
        if case .deliver = action {} else if configuration.operations != nil { operationsLeft -= 1 }
        do {
            switch action {
            case .load(let a, let l): try cores[a].load(l)
            case .store(let a, let l): try cores[a].store(l, value: 2 + UInt64(a))
            case .evict(let a, let l): try cores[a].evict(l)
            case .replace(let a, let l): try llcs[a].replace(l)
            case .evictBlock where configuration.home == .fpgaNonInclusive:
                for l in 0..<UInt64(lineCount) where home.state(l) != .I { try home.release(l) }
                if let problem = finishEviction() { return problem }
            case .evictBlock:
                block = 1
                let held = (0..<UInt64(lineCount)).filter { home.state($0) != .I }
                recallsLeft = held.count
                for l in held { try home.recall(l) }
            case .deliver(let key, let i):
                let j = channels.firstIndex { $0.key == key }!
                let message = channels[j].messages.remove(at: i)
                if channels[j].messages.isEmpty { channels.remove(at: j) }
                if configuration.home.isFPGA && block == 2 && isRequestToHome(message) { fetchBlock() }
                switch message.destination {
                case .core(let c): try cores[c].receive(message)
                case .llc(let s): try llcs[s].receive(message)
                case .home: try home.receive(message)
                }
            }
        } catch {
            return error.description
        }
        if let failure { return failure }
        if configuration.home == .fpga && block == 1 && recallsLeft == 0 { return finishEviction() }
        return nil
    }

    /// The FPGA's eviction is over: its lines' values go to remote memory, which must then
    /// hold every line's latest value (with a non-inclusive FMem, every line no socket owns:
    /// an owner may hold newer data).
    private func finishEviction() -> String? {
        for l in 0..<lineCount {
            remote[l] = home.memory[UInt64(l)] ?? 1
            let owned = configuration.home == .fpgaNonInclusive && home.state(UInt64(l)) == .EM
            if remote[l] != latest[l] && !owned {
                return "after the FPGA's eviction remote memory holds a stale value of line \(l)"
            }
        }
        block = 2
        setHomeMemory([])
        return nil
    }

    private func fetchBlock() {
        block = 0
        setHomeMemory((0..<lineCount).map { (UInt64($0), remote[$0]) })
    }

    /// The invariants of the current state; the first one broken.
    func check() -> String? {
        for l in 0..<UInt64(lineCount) {
            if let problem = singleWriterViolation(cores, l) { return problem }
            // A line no cache holds, with nothing in flight or parked for it, is at home.
            let quiet = cores.allSatisfy { $0.state(l) == .I && (!$0.hasParked || $0.parkedMessages(l).isEmpty) }
                && llcs.allSatisfy { $0.state(l) == .I && (!$0.hasParked || $0.parkedMessages(l).isEmpty) }
                && home.state(l) == .I && (!home.hasParked || home.parkedMessages(l).isEmpty)
                && !channels.contains { $0.messages.contains { $0.line == l } }
            if quiet && block != 1 {
                let value = block == 2 ? remote[Int(l)] : home.memory[l] ?? 1
                if value != latest[Int(l)] { return "line \(l) is held by no cache, but its home has a stale value" }
            }
        }
        return nil
    }

    /// What is left to do in a state with no step enabled, if anything.
    func workLeft() -> String? {
        for l in 0..<UInt64(lineCount) {
            for core in cores where core.pendingOperation(l) != nil { return "\(core.name)'s operation on line \(l) is pending" }
        }
        if let (_, queue) = channels.first { return "\(queue.count) message(s) in flight, first \(queue[0])" }
        for l in 0..<UInt64(lineCount) {
            if !home.parkedMessages(l).isEmpty { return "home has parked messages on line \(l)" }
            for llc in llcs where !llc.parkedMessages(l).isEmpty { return "\(llc.name) has parked messages on line \(l)" }
        }
        if block == 1 { return "the FPGA's eviction is under way" }
        return nil
    }

    /// The operations pending in the loaded state, as bits `line * agents + agent`.
    func pendingOperations() -> UInt32 {
        var bits: UInt32 = 0
        for l in 0..<lineCount {
            for a in 0..<n where cores[a].pendingOperation(UInt64(l)) != nil { bits |= 1 << UInt32(l * n + a) }
        }
        return bits
    }
}
