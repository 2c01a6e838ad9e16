import KonaHardware
import KonaProtocol

/// One state of `ProtocolExplorer`'s system in plain numbers, read from the controllers once,
/// so that it can be encoded under every renumbering of the agents cheaply, and its lines
/// compared one by one (the partial-order reduction checks that a step on one line left the
/// others alone).
///
/// Values are abstracted: 0 a stale value, 1 the line's latest value, `2 + a` agent `a`'s
/// pending store. Endpoints are numbered: core `a` is `a`, LLC `a` is `8 + a`, the home 16.
///
/// Everything lives in flat arrays that a worker fills again for every state it reads
/// (`clearMessages`, then the messages slot by slot), so reading a state allocates nothing
/// once the arrays have grown to the largest state seen.
struct ExplorerState: Equatable {
    /// A message, in flight or parked.
    struct Message: Equatable {
        var kind: UInt8
        var source: UInt8
        var destination: UInt8
        var line: UInt8
        var channel: UInt8
        var value: UInt8
    }

    static let coreFields = 3   // state, data, pending operation (0 none, 1 load, else the store's value)
    static let llcFields = 6    // state, data, sharers, owner + 1, requester, acks
    static let homeFields = 8   // state, sharers, owner + 1, requester + 1 while busy, responses, data, memory, remote

    let agents: Int
    let lines: Int
    /// `(line * agents + agent) * coreFields + field`.
    var core: [UInt8]
    /// `(line * agents + agent) * llcFields + field`.
    var llc: [UInt8]
    /// `line * homeFields + field`.
    var home: [UInt8]
    /// FPGA: the block is resident (0), being evicted (1) or absent (2); recalls outstanding.
    var block: UInt8 = 0
    var recallsLeft: UInt8 = 0
    /// Operations still allowed to start (0 when unbounded).
    var operationsLeft: UInt8 = 0
    /// Parked messages, slot after slot (`coreSlot`, `llcSlot`, `homeSlot`), each slot's in
    /// order; `parkedEnd[slot]` is where the slot's messages end.
    private(set) var parkedMessages: [Message] = []
    private(set) var parkedEnd: [Int]
    /// The channels' messages, channel after channel (none empty), each channel's in order;
    /// `channelEnd[j]` is where channel `j`'s messages end.
    private(set) var channelMessages: [Message] = []
    private(set) var channelEnd: [Int] = []

    init(agents: Int, lines: Int) {
        self.agents = agents
        self.lines = lines
        core = [UInt8](repeating: 0, count: lines * agents * Self.coreFields)
        llc = [UInt8](repeating: 0, count: lines * agents * Self.llcFields)
        home = [UInt8](repeating: 0, count: lines * Self.homeFields)
        parkedEnd = [Int](repeating: 0, count: lines * (2 * agents + 1))
    }

    /// The state `bytes` encodes (in the numbering it was encoded with).
    init(decoding bytes: [UInt8], agents: Int, lines: Int) {
        self.init(agents: agents, lines: lines)
        decode(bytes[...])
    }

    // MARK: Messages

    /// Where core `agent`'s, LLC `agent`'s and the home's parked messages on `line` are kept.
    func coreSlot(line: Int, agent: Int) -> Int { line * (2 * agents + 1) + 2 * agent }
    func llcSlot(line: Int, agent: Int) -> Int { line * (2 * agents + 1) + 2 * agent + 1 }
    func homeSlot(line: Int) -> Int { line * (2 * agents + 1) + 2 * agents }

    /// The messages parked in `slot`, in order.
    func parked(_ slot: Int) -> ArraySlice<Message> {
        parkedMessages[(slot == 0 ? 0 : parkedEnd[slot - 1])..<parkedEnd[slot]]
    }

    var channelCount: Int { channelEnd.count }

    /// Channel `j`'s messages, in order.
    func channel(_ j: Int) -> ArraySlice<Message> {
        channelMessages[(j == 0 ? 0 : channelEnd[j - 1])..<channelEnd[j]]
    }

    /// No message parked or in flight.
    mutating func clearMessages() {
        parkedMessages.removeAll(keepingCapacity: true)
        for i in parkedEnd.indices { parkedEnd[i] = 0 }
        channelMessages.removeAll(keepingCapacity: true)
        channelEnd.removeAll(keepingCapacity: true)
    }

    /// Parks `message` last in `slot` (an append when slots are filled in order).
    mutating func park(_ message: Message, in slot: Int) {
        parkedMessages.insert(message, at: parkedEnd[slot])
        for s in slot..<parkedEnd.count { parkedEnd[s] += 1 }
    }

    /// Starts a new channel, after the others; `send` fills it.
    mutating func openChannel() { channelEnd.append(channelMessages.count) }

    /// Puts `message` last in the newest channel.
    mutating func send(_ message: Message) {
        channelMessages.append(message)
        channelEnd[channelEnd.count - 1] += 1
    }

    // MARK: Comparing lines

    /// Whether every line but `line`, and the FPGA's block, are the same in both (the
    /// operations left are shared by design: the reduction treats them apart).
    func sameExcept(line: Int, as other: ExplorerState) -> Bool {
        guard block == other.block && recallsLeft == other.recallsLeft else { return false }
        for l in 0..<lines where l != line {
            let c = l * agents * Self.coreFields, ll = l * agents * Self.llcFields, h = l * Self.homeFields
            for i in c ..< c + agents * Self.coreFields where core[i] != other.core[i] { return false }
            for i in ll ..< ll + agents * Self.llcFields where llc[i] != other.llc[i] { return false }
            for i in h ..< h + Self.homeFields where home[i] != other.home[i] { return false }
            for slot in coreSlot(line: l, agent: 0)...homeSlot(line: l) where parked(slot) != other.parked(slot) { return false }
        }
        // The channels of the other lines, in order, pairwise (no arrays built).
        var j = 0, k = 0
        while true {
            while j < channelCount && Int(channelMessages[j == 0 ? 0 : channelEnd[j - 1]].line) == line { j += 1 }
            while k < other.channelCount && Int(other.channelMessages[k == 0 ? 0 : other.channelEnd[k - 1]].line) == line { k += 1 }
            guard j < channelCount, k < other.channelCount else { return j == channelCount && k == other.channelCount }
            if channel(j) != other.channel(k) { return false }
            j += 1
            k += 1
        }
    }

    // MARK: Encoding

    /// Agent `a`'s part of the state, written to `bytes`, in terms that do not depend on how
    /// the agents are numbered: its core's and LLC's records and parked messages, what the
    /// home records of it, and its channels (agents are written as "itself" or "another",
    /// stores' values as its own or another's). Renumbering the agents permutes the
    /// signatures, so sorting by them leaves only the agents with equal signatures to try in
    /// every order.
    func signature(of a: Int, into bytes: inout [UInt8]) {
        @inline(__always) func value(_ v: UInt8) -> UInt8 { v >= 2 ? (Int(v) - 2 == a ? 2 : 3) : v }
        @inline(__always) func endpoint(_ e: UInt8) -> UInt8 { e < 8 ? (Int(e) == a ? 0 : 1) : e < 16 ? (Int(e) - 8 == a ? 8 : 9) : e }
        bytes.removeAll(keepingCapacity: true)
        func messages(_ list: ArraySlice<Message>) {
            bytes.append(UInt8(list.count))
            for m in list { bytes.append(m.kind); bytes.append(endpoint(m.source)); bytes.append(endpoint(m.destination)); bytes.append(value(m.value)) }
        }
        for l in 0..<lines {
            let k = l * agents + a, c = k * Self.coreFields, r = k * Self.llcFields, h = l * Self.homeFields
            bytes.append(core[c]); bytes.append(value(core[c + 1])); bytes.append(core[c + 2] == 1 ? 1 : value(core[c + 2]))
            messages(parked(coreSlot(line: l, agent: a)))
            bytes.append(llc[r]); bytes.append(value(llc[r + 1]))
            for f in 2..<Self.llcFields { bytes.append(llc[r + f]) }
            messages(parked(llcSlot(line: l, agent: a)))
            bytes.append(home[h + 1] & (1 << a) != 0 ? 1 : 0)
            bytes.append(Int(home[h + 2]) == a + 1 ? 1 : 0)
            bytes.append(Int(home[h + 3]) == a + 1 ? 1 : 0)
        }
        for j in 0..<channelCount {
            let list = channel(j), m0 = list.first!
            guard m0.source == a || m0.destination == a || Int(m0.source) == 8 + a || Int(m0.destination) == 8 + a else { continue }
            bytes.append(0xff)
            bytes.append(m0.line); bytes.append(m0.channel)
            messages(list)
        }
    }

    /// Appends the state to `bytes` with agent `a` renumbered `p[a]` (`inverse[p[a]] == a`).
    ///
    /// Per line: every agent's core record, pending operation and parked messages and LLC
    /// record and parked messages (in the new numbering's order), then the home's record and
    /// parked messages; then the FPGA's block and recalls, and the operations left; then the
    /// channels, ordered by (source, destination, line, channel) in the new numbering.
    /// - Complexity: O(size of the state), written through a raw cursor into room made once
    ///   (the explorer encodes every state under several renumberings: this is its hot loop).
    func encode(_ p: [Int], _ inverse: [Int], into bytes: inout [UInt8]) {
        let start = bytes.count
        // Every byte the state can take: the records, four per parked message, and per channel
        // five plus two per message.
        let bound = lines * (agents * (Self.coreFields + Self.llcFields + 2) + Self.homeFields + 1) + 4
            + 4 * parkedMessages.count + 5 * channelCount + 2 * channelMessages.count
        if bound <= Self.zeros.count { bytes.append(contentsOf: Self.zeros[..<bound]) } else { bytes.append(contentsOf: repeatElement(0, count: bound)) }
        let written = bytes.withUnsafeMutableBufferPointer { encode(p, inverse, into: $0.baseAddress! + start) }
        precondition(written <= bound, "a state's encoding outgrew its bound")
        bytes.removeLast(bound - written)
    }

    /// `encode`'s work: writes through a cursor from `first` and returns the bytes written.
    private func encode(_ p: [Int], _ inverse: [Int], into first: UnsafeMutablePointer<UInt8>) -> Int {
        var out = first
        @inline(__always) func put(_ b: UInt8) { out.pointee = b; out += 1 }
        @inline(__always) func value(_ v: UInt8) -> UInt8 { v >= 2 ? 2 &+ UInt8(truncatingIfNeeded: p[Int(v) &- 2]) : v }
        @inline(__always) func endpoint(_ e: UInt8) -> UInt8 {
            e < 8 ? UInt8(truncatingIfNeeded: p[Int(e)]) : e < 16 ? 8 &+ UInt8(truncatingIfNeeded: p[Int(e) &- 8]) : e
        }
        @inline(__always) func messages(_ slot: Int) {
            let from = slot == 0 ? 0 : parkedEnd[slot - 1], to = parkedEnd[slot]
            put(UInt8(to - from))
            for i in from ..< to {
                let m = parkedMessages[i]
                put(m.kind); put(endpoint(m.source)); put(endpoint(m.destination)); put(value(m.value))
            }
        }
        for l in 0 ..< lines {
            for i in 0 ..< agents {
                let a = inverse[i], k = l * agents + a
                let c = k * Self.coreFields
                put(core[c])
                put(value(core[c + 1]))
                put(core[c + 2] == 1 ? 1 : value(core[c + 2]))
                messages(coreSlot(line: l, agent: a))
                let r = k * Self.llcFields
                put(llc[r])
                put(value(llc[r + 1]))
                for f in 2 ..< Self.llcFields { put(llc[r + f]) }
                messages(llcSlot(line: l, agent: a))
            }
            let h = l * Self.homeFields
            var mask: UInt8 = 0
            for a in 0 ..< agents where home[h + 1] & (1 << a) != 0 { mask |= 1 << p[a] }
            put(home[h])
            put(mask)
            put(home[h + 2] == 0 ? 0 : UInt8(truncatingIfNeeded: p[Int(home[h + 2]) - 1]) + 1)
            put(home[h + 3] == 0 ? 0 : UInt8(truncatingIfNeeded: p[Int(home[h + 3]) - 1]) + 1)
            put(home[h + 4])
            put(value(home[h + 5]))
            put(value(home[h + 6]))
            put(value(home[h + 7]))
            messages(homeSlot(line: l))
        }
        put(block)
        put(recallsLeft)
        put(operationsLeft)
        put(UInt8(channelCount))
        // The channels in the order of their keys in the new numbering (an insertion sort:
        // a state has a handful of channels).
        withUnsafeTemporaryAllocation(of: (key: Int, index: Int).self, capacity: channelCount) { order in
            for j in 0 ..< channelCount {
                let m = channelMessages[j == 0 ? 0 : channelEnd[j - 1]]
                let key = (Int(endpoint(m.source)) << 24) | (Int(endpoint(m.destination)) << 16) | (Int(m.line) << 8) | Int(m.channel)
                var i = j
                while i > 0 && order[i - 1].key > key { order[i] = order[i - 1]; i -= 1 }
                order[i] = (key, j)
            }
            for (_, j) in order {
                let from = j == 0 ? 0 : channelEnd[j - 1], to = channelEnd[j], m0 = channelMessages[from]
                put(endpoint(m0.source)); put(endpoint(m0.destination)); put(m0.line); put(m0.channel)
                put(UInt8(to - from))
                for i in from ..< to { put(channelMessages[i].kind); put(value(channelMessages[i].value)) }
            }
        }
        return out - first
    }

    /// Becomes the state `bytes` encodes (in the numbering it was encoded with).
    mutating func decode(_ bytes: ArraySlice<UInt8>) {
        clearMessages()
        var i = bytes.startIndex
        func next() -> UInt8 { defer { i += 1 }; return bytes[i] }
        func messages(line: Int, slot: Int) {
            for _ in 0..<Int(next()) {
                let kind = next(), source = next(), destination = next(), value = next()
                park(Message(kind: kind, source: source, destination: destination, line: UInt8(line),
                             channel: Self.channelOfKind[Int(kind)], value: value), in: slot)
            }
        }
        for l in 0..<lines {
            for a in 0..<agents {
                let k = l * agents + a
                for f in 0..<Self.coreFields { core[k * Self.coreFields + f] = next() }
                messages(line: l, slot: coreSlot(line: l, agent: a))
                for f in 0..<Self.llcFields { llc[k * Self.llcFields + f] = next() }
                messages(line: l, slot: llcSlot(line: l, agent: a))
            }
            for f in 0..<Self.homeFields { home[l * Self.homeFields + f] = next() }
            messages(line: l, slot: homeSlot(line: l))
        }
        block = next()
        recallsLeft = next()
        operationsLeft = next()
        for _ in 0..<Int(next()) {
            let source = next(), destination = next(), line = next(), channel = next()
            openChannel()
            for _ in 0..<Int(next()) {
                let kind = next()
                send(Message(kind: kind, source: source, destination: destination, line: line, channel: channel, value: next()))
            }
        }
    }

    /// Room for an encoding, copied in at once.
    private static let zeros = [UInt8](repeating: 0, count: 4096)

    /// Each message kind's virtual channel, by raw value.
    private static let channelOfKind: [UInt8] = {
        var table = [UInt8](repeating: 0, count: (MessageKind.allCases.map(\.rawValue).max() ?? 0) + 1)
        for kind in MessageKind.allCases { table[kind.rawValue] = UInt8(kind.channel.rawValue) }
        return table
    }()
}
