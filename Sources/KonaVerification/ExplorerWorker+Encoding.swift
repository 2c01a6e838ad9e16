import KonaHardware
import KonaProtocol

// Between a state's encoding and the live controllers: snapshot, load, save and restore.
extension ExplorerWorker {
    func channelKey(_ s: Endpoint, _ d: Endpoint, _ line: UInt64, _ c: Channel) -> Int {
        (code(s) << 16) | (code(d) << 10) | (Int(line) << 2) | c.rawValue
    }
    private func code(_ e: Endpoint) -> Int {
        switch e {
        case .core(let i): i
        case .llc(let i): 8 + i
        case .home: 16
        }
    }
    private func endpoint(_ code: UInt8) -> Endpoint { code < 8 ? .core(Int(code)) : code < 16 ? .llc(Int(code) - 8) : .home(0) }

    /// The message a state's record of one stands for (its value as the controllers hold it).
    private func coherenceMessage(_ m: ExplorerState.Message) -> CoherenceMessage {
        CoherenceMessage(MessageKind(rawValue: Int(m.kind))!, line: UInt64(m.line), from: endpoint(m.source),
                         to: endpoint(m.destination), data: UInt64(m.value))
    }

    /// Reads the current state from the controllers into `s`.
    func snapshot(into s: inout ExplorerState) {
        s.clearMessages()
        // A copy holds the latest value or a stale one: a value left from an earlier store is stale,
        // whoever wrote it (a pending store's fresh value lives only in its operation until it completes).
        @inline(__always) func value(_ v: UInt64, _ l: Int) -> UInt8 { v == latest[l] ? 1 : 0 }
        @inline(__always) func message(_ m: CoherenceMessage, _ l: Int) -> ExplorerState.Message {
            ExplorerState.Message(kind: UInt8(m.kind.rawValue), source: UInt8(code(m.source)), destination: UInt8(code(m.destination)),
                                  line: UInt8(m.line), channel: UInt8(m.kind.channel.rawValue), value: value(m.data, l))
        }
        for l in 0..<lineCount {
            let line = UInt64(l)
            for a in 0..<n {
                let k = l * n + a
                let c = cores[a]
                // A record in state I is dropped when a state is put back (`restore`): read it so.
                let record = c.lines[line].flatMap { $0.state == .I ? nil : $0 }
                var base = k * ExplorerState.coreFields
                s.core[base] = UInt8(record?.state.rawValue ?? 0)
                s.core[base + 1] = value(record?.data ?? 0, l)
                switch c.pendingOperation(line) {
                case nil: s.core[base + 2] = 0
                case .load?: s.core[base + 2] = 1
                case .store(let v)?: s.core[base + 2] = UInt8(v)
                }
                if c.hasParked { for m in c.parkedMessages(line) { s.park(message(m, l), in: s.coreSlot(line: l, agent: a)) } }
                let llc = llcs[a]
                let r = llc.lines[line].flatMap { $0.state == .I ? nil : $0 } ?? LLCController.Line.empty
                base = k * ExplorerState.llcFields
                s.llc[base] = UInt8(r.state.rawValue)
                s.llc[base + 1] = value(r.data, l)
                s.llc[base + 2] = UInt8(r.sharers)
                s.llc[base + 3] = UInt8(r.owner.map { $0 + 1 } ?? 0)
                s.llc[base + 4] = UInt8(r.requester)
                s.llc[base + 5] = UInt8(r.acks)
                if llc.hasParked { for m in llc.parkedMessages(line) { s.park(message(m, l), in: s.llcSlot(line: l, agent: a)) } }
            }
            let h = home.lines[line].flatMap { $0.state == .I ? nil : $0 } ?? DirectoryController.Line.empty
            let base = l * ExplorerState.homeFields
            s.home[base] = UInt8(h.state.rawValue)
            s.home[base + 1] = UInt8(h.sharers)
            s.home[base + 2] = UInt8(h.owner.map { $0 + 1 } ?? 0)
            // A stable entry's requester is left over from its last transaction: not state.
            s.home[base + 3] = DirectoryController.isStable(h.state) ? 0 : UInt8(h.requester + 1)
            s.home[base + 4] = UInt8(h.responses)
            s.home[base + 5] = value(h.data, l)
            s.home[base + 6] = value(home.memory[line] ?? (block == 2 ? 0 : 1), l)
            // Remote memory is read only while the block is absent, and overwritten by every eviction.
            s.home[base + 7] = block == 2 ? value(remote[l], l) : 0
            if home.hasParked { for m in home.parkedMessages(line) { s.park(message(m, l), in: s.homeSlot(line: l)) } }
        }
        s.block = UInt8(block)
        s.recallsLeft = UInt8(recallsLeft)
        s.operationsLeft = configuration.operations == nil ? 0 : UInt8(operationsLeft)
        for (_, list) in channels {
            s.openChannel()
            for m in list { s.send(message(m, Int(m.line))) }
        }
    }

    /// Makes the controllers, channels and FPGA hold the state `bytes` encodes.
    func load(_ bytes: ArraySlice<UInt8>) {
        var s = ExplorerState(agents: 0, lines: 0), b = Records()
        swap(&s, &loaded)
        swap(&b, &records)
        defer {
            swap(&s, &loaded)
            swap(&b, &records)
        }
        s.decode(bytes)
        func messages(_ slot: Int) -> [CoherenceMessage] { s.parked(slot).map(coherenceMessage) }
        for a in 0..<n {
            b.coreLines.removeAll(keepingCapacity: true)
            b.pending.removeAll(keepingCapacity: true)
            b.coreParked.removeAll(keepingCapacity: true)
            b.llcLines.removeAll(keepingCapacity: true)
            b.llcParked.removeAll(keepingCapacity: true)
            for l in 0..<lineCount {
                let line = UInt64(l), k = l * n + a
                var base = k * ExplorerState.coreFields
                if s.core[base] != 0 {
                    var c = CoreComplexController.Line.empty
                    c.state = CoreComplexProtocol.State(rawValue: Int(s.core[base]))!
                    c.data = UInt64(s.core[base + 1])
                    b.coreLines.append((line, c))
                }
                switch s.core[base + 2] {
                case 0: break
                case 1: b.pending.append((line, .load))
                case let v: b.pending.append((line, .store(value: UInt64(v))))
                }
                if !s.parked(s.coreSlot(line: l, agent: a)).isEmpty { b.coreParked.append((line, messages(s.coreSlot(line: l, agent: a)))) }
                base = k * ExplorerState.llcFields
                if s.llc[base] != 0 {
                    var r = LLCController.Line.empty
                    r.state = LLCProtocol.State(rawValue: Int(s.llc[base]))!
                    r.data = UInt64(s.llc[base + 1])
                    r.sharers = UInt64(s.llc[base + 2])
                    r.owner = s.llc[base + 3] == 0 ? nil : Int(s.llc[base + 3]) - 1
                    r.requester = Int(s.llc[base + 4])
                    r.acks = Int(s.llc[base + 5])
                    b.llcLines.append((line, r))
                }
                if !s.parked(s.llcSlot(line: l, agent: a)).isEmpty { b.llcParked.append((line, messages(s.llcSlot(line: l, agent: a)))) }
            }
            cores[a].restore(lines: b.coreLines, pending: b.pending, parked: b.coreParked)
            llcs[a].restore(lines: b.llcLines, parked: b.llcParked)
        }
        b.homeLines.removeAll(keepingCapacity: true)
        b.memory.removeAll(keepingCapacity: true)
        b.homeParked.removeAll(keepingCapacity: true)
        for l in 0..<lineCount {
            let line = UInt64(l), base = l * ExplorerState.homeFields
            if s.home[base] != 0 {
                var h = DirectoryController.Line.empty
                h.state = HomeProtocol.State(rawValue: Int(s.home[base]))!
                h.sharers = UInt64(s.home[base + 1])
                h.owner = s.home[base + 2] == 0 ? nil : Int(s.home[base + 2]) - 1
                // 0: none (a stable entry keeps its last one, which no row reads; a recall has none).
                h.requester = s.home[base + 3] == 0 ? (DirectoryController.isStable(h.state) ? 0 : -1) : Int(s.home[base + 3]) - 1
                h.responses = Int(s.home[base + 4])
                h.data = UInt64(s.home[base + 5])
                b.homeLines.append((line, h))
            }
            b.memory.append((line, UInt64(s.home[base + 6])))
            remote[l] = UInt64(s.home[base + 7])
            if !s.parked(s.homeSlot(line: l)).isEmpty { b.homeParked.append((line, messages(s.homeSlot(line: l)))) }
        }
        block = Int(s.block)
        recallsLeft = Int(s.recallsLeft)
        operationsLeft = configuration.operations == nil ? Int.max : Int(s.operationsLeft)
        if block == 2 { b.memory.removeAll(keepingCapacity: true) }
        home.restore(lines: b.homeLines, memory: b.memory, parked: b.homeParked)
        channels.removeAll(keepingCapacity: true)
        for j in 0..<s.channelCount {
            let list = s.channel(j), m = list.first!
            channels.append((channelKey(endpoint(m.source), endpoint(m.destination), UInt64(m.line), Channel(rawValue: Int(m.channel))!),
                             list.map(coherenceMessage)))
        }
        channels.sort { $0.key < $1.key }
        for l in 0..<lineCount { latest[l] = 1 }
    }

    /// Everything a state is, as values (copies share storage until changed).
    struct Saved {
        var cores: [CoreComplexController.Contents]
        var llcs: [LLCController.Contents]
        var home: DirectoryController.Contents
        var channels: [(key: Int, messages: [CoherenceMessage])]
        var block: Int
        var recallsLeft: Int
        var remote: [UInt64]
        var operationsLeft: Int
    }

    func save() -> Saved {
        touched = 0
        return Saved(cores: cores.map(\.contents), llcs: llcs.map(\.contents), home: home.contents, channels: channels,
              block: block, recallsLeft: recallsLeft, remote: remote, operationsLeft: operationsLeft)
    }

    func restore(_ s: Saved) {
        for a in 0..<n {
            if touched & (1 << a) != 0 { cores[a].contents = s.cores[a] }
            if touched & (1 << (8 + a)) != 0 { llcs[a].contents = s.llcs[a] }
        }
        if touched & (1 << 16) != 0 { home.contents = s.home }
        touched = 0
        channels = s.channels
        block = s.block
        recallsLeft = s.recallsLeft
        remote = s.remote
        operationsLeft = s.operationsLeft
        for l in 0..<lineCount { latest[l] = 1 }
    }
}
