import KonaHardware
import KonaProtocol

/// One state of `ProtocolExplorer`'s system in plain numbers, read from the controllers once,
/// so that it can be encoded under every renumbering of the agents cheaply, and its lines
/// compared one by one (the partial-order reduction checks that a step on one line left the
/// others alone).
///
/// Values are abstracted: 0 a stale value, 1 the line's latest value, `2 + a` agent `a`'s
/// pending store. Endpoints are numbered: core `a` is `a`, LLC `a` is `8 + a`, the home 16.
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
    /// Parked messages: `(line * agents + agent) * 2` the core's, `+ 1` the LLC's, then
    /// `lines * agents * 2 + line` the home's.
    var parked: [[Message]]
    /// FPGA: the block is resident (0), being evicted (1) or absent (2); recalls outstanding.
    var block: UInt8 = 0
    var recallsLeft: UInt8 = 0
    /// Operations still allowed to start (0 when unbounded).
    var operationsLeft: UInt8 = 0
    /// The channels' messages, each channel's in order (none empty).
    var channels: [[Message]] = []

    init(agents: Int, lines: Int) {
        self.agents = agents
        self.lines = lines
        core = [UInt8](repeating: 0, count: lines * agents * Self.coreFields)
        llc = [UInt8](repeating: 0, count: lines * agents * Self.llcFields)
        home = [UInt8](repeating: 0, count: lines * Self.homeFields)
        parked = [[Message]](repeating: [], count: lines * agents * 2 + lines)
    }

    /// Whether every line but `line`, and the FPGA's block, are the same in both (the
    /// operations left are shared by design: the reduction treats them apart).
    func sameExcept(line: Int, as other: ExplorerState) -> Bool {
        guard block == other.block && recallsLeft == other.recallsLeft else { return false }
        for l in 0..<lines where l != line {
            let c = l * agents * Self.coreFields, ll = l * agents * Self.llcFields, h = l * Self.homeFields
            if core[c..<c + agents * Self.coreFields] != other.core[c..<c + agents * Self.coreFields]
                || llc[ll..<ll + agents * Self.llcFields] != other.llc[ll..<ll + agents * Self.llcFields]
                || home[h..<h + Self.homeFields] != other.home[h..<h + Self.homeFields]
                || parked[lines * agents * 2 + l] != other.parked[lines * agents * 2 + l] {
                return false
            }
            for a in 0..<agents where parked[(l * agents + a) * 2] != other.parked[(l * agents + a) * 2]
                || parked[(l * agents + a) * 2 + 1] != other.parked[(l * agents + a) * 2 + 1] {
                return false
            }
        }
        let mine = channels.filter { Int($0[0].line) != line }, theirs = other.channels.filter { Int($0[0].line) != line }
        return mine == theirs
    }

    // MARK: Encoding

    /// Agent `a`'s part of the state in terms that do not depend on how the agents are
    /// numbered: its core's and LLC's records and parked messages, what the home records of
    /// it, and its channels (agents are written as "itself" or "another", stores' values as
    /// its own or another's). Renumbering the agents permutes the signatures, so sorting by
    /// them leaves only the agents with equal signatures to try in every order.
    func signature(of a: Int) -> [UInt8] {
        @inline(__always) func value(_ v: UInt8) -> UInt8 { v >= 2 ? (Int(v) - 2 == a ? 2 : 3) : v }
        @inline(__always) func endpoint(_ e: UInt8) -> UInt8 { e < 8 ? (Int(e) == a ? 0 : 1) : e < 16 ? (Int(e) - 8 == a ? 8 : 9) : e }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24 * lines)
        func messages(_ list: [Message]) {
            bytes.append(UInt8(list.count))
            for m in list { bytes.append(m.kind); bytes.append(endpoint(m.source)); bytes.append(endpoint(m.destination)); bytes.append(value(m.value)) }
        }
        for l in 0..<lines {
            let k = l * agents + a, c = k * Self.coreFields, r = k * Self.llcFields, h = l * Self.homeFields
            bytes.append(core[c]); bytes.append(value(core[c + 1])); bytes.append(core[c + 2] == 1 ? 1 : value(core[c + 2]))
            messages(parked[k * 2])
            bytes.append(llc[r]); bytes.append(value(llc[r + 1]))
            for f in 2..<Self.llcFields { bytes.append(llc[r + f]) }
            messages(parked[k * 2 + 1])
            bytes.append(home[h + 1] & (1 << a) != 0 ? 1 : 0)
            bytes.append(Int(home[h + 2]) == a + 1 ? 1 : 0)
            bytes.append(Int(home[h + 3]) == a + 1 ? 1 : 0)
        }
        for list in channels where list[0].source == a || list[0].destination == a
            || Int(list[0].source) == 8 + a || Int(list[0].destination) == 8 + a {
            bytes.append(0xff)
            bytes.append(list[0].line); bytes.append(list[0].channel)
            messages(list)
        }
        return bytes
    }

    /// Appends the state to `bytes` with agent `a` renumbered `p[a]` (`inverse[p[a]] == a`).
    ///
    /// Per line: every agent's core record, pending operation and parked messages and LLC
    /// record and parked messages (in the new numbering's order), then the home's record and
    /// parked messages; then the FPGA's block and recalls, and the operations left; then the channels, ordered by
    /// (source, destination, line, channel) in the new numbering.
    func encode(_ p: [Int], _ inverse: [Int], into bytes: inout [UInt8]) {
        @inline(__always) func value(_ v: UInt8) -> UInt8 { v >= 2 ? 2 + UInt8(p[Int(v) - 2]) : v }
        @inline(__always) func endpoint(_ e: UInt8) -> UInt8 { e < 8 ? UInt8(p[Int(e)]) : e < 16 ? 8 + UInt8(p[Int(e) - 8]) : e }
        func messages(_ list: [Message]) {
            bytes.append(UInt8(list.count))
            for m in list { bytes.append(m.kind); bytes.append(endpoint(m.source)); bytes.append(endpoint(m.destination)); bytes.append(value(m.value)) }
        }
        for l in 0..<lines {
            for i in 0..<agents {
                let a = inverse[i], k = l * agents + a
                let c = k * Self.coreFields
                bytes.append(core[c])
                bytes.append(value(core[c + 1]))
                bytes.append(core[c + 2] == 1 ? 1 : value(core[c + 2]))
                messages(parked[k * 2])
                let r = k * Self.llcFields
                bytes.append(llc[r])
                bytes.append(value(llc[r + 1]))
                for f in 2..<Self.llcFields { bytes.append(llc[r + f]) }
                messages(parked[k * 2 + 1])
            }
            let h = l * Self.homeFields
            var mask: UInt8 = 0
            for a in 0..<agents where home[h + 1] & (1 << a) != 0 { mask |= 1 << p[a] }
            bytes.append(home[h])
            bytes.append(mask)
            bytes.append(home[h + 2] == 0 ? 0 : UInt8(p[Int(home[h + 2]) - 1]) + 1)
            bytes.append(home[h + 3] == 0 ? 0 : UInt8(p[Int(home[h + 3]) - 1]) + 1)
            bytes.append(home[h + 4])
            bytes.append(value(home[h + 5]))
            bytes.append(value(home[h + 6]))
            bytes.append(value(home[h + 7]))
            messages(parked[lines * agents * 2 + l])
        }
        bytes.append(block)
        bytes.append(recallsLeft)
        bytes.append(operationsLeft)
        bytes.append(UInt8(channels.count))
        func key(_ m: Message) -> Int {
            (Int(endpoint(m.source)) << 24) | (Int(endpoint(m.destination)) << 16) | (Int(m.line) << 8) | Int(m.channel)
        }
        let order = channels.indices.sorted { key(channels[$0][0]) < key(channels[$1][0]) }
        for j in order {
            let list = channels[j], m0 = list[0]
            bytes.append(endpoint(m0.source)); bytes.append(endpoint(m0.destination)); bytes.append(m0.line); bytes.append(m0.channel)
            bytes.append(UInt8(list.count))
            for m in list { bytes.append(m.kind); bytes.append(value(m.value)) }
        }
    }

    /// The state `bytes` encodes (in the numbering it was encoded with).
    init(decoding bytes: [UInt8], agents: Int, lines: Int) {
        self.init(agents: agents, lines: lines)
        var i = 0
        func next() -> UInt8 { defer { i += 1 }; return bytes[i] }
        func messages(line: Int) -> [Message] {
            (0..<Int(next())).map { _ in
                let kind = next(), source = next(), destination = next(), value = next()
                let channel = UInt8(MessageKind(rawValue: Int(kind))!.channel.rawValue)
                return Message(kind: kind, source: source, destination: destination, line: UInt8(line), channel: channel, value: value)
            }
        }
        for l in 0..<lines {
            for a in 0..<agents {
                let k = l * agents + a
                for f in 0..<Self.coreFields { core[k * Self.coreFields + f] = next() }
                parked[k * 2] = messages(line: l)
                for f in 0..<Self.llcFields { llc[k * Self.llcFields + f] = next() }
                parked[k * 2 + 1] = messages(line: l)
            }
            for f in 0..<Self.homeFields { home[l * Self.homeFields + f] = next() }
            parked[lines * agents * 2 + l] = messages(line: l)
        }
        block = next()
        recallsLeft = next()
        operationsLeft = next()
        for _ in 0..<Int(next()) {
            let source = next(), destination = next(), line = next(), channel = next()
            channels.append((0..<Int(next())).map { _ in
                Message(kind: next(), source: source, destination: destination, line: line, channel: channel, value: next())
            })
        }
    }
}
