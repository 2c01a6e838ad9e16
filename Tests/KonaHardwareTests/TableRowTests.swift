import Testing
@testable import KonaHardware
import KonaProtocol

/// Captures what controllers send.
final class RecordingNetwork: CoherenceNetwork {
    var sent: [CoherenceMessage] = []
    func send(_ message: CoherenceMessage) { sent.append(message) }
}

/// One row of one table in one variant, as a test argument.
struct RowCase: Sendable, CustomTestStringConvertible {
    let variant: ProtocolVariant
    let index: Int
    let label: String
    var testDescription: String { label }
}

func cases<S, E, A>(_ make: (ProtocolVariant) -> ProtocolTable<S, E, A>) -> [RowCase] {
    ProtocolVariant.all.flatMap { variant in
        make(variant).rows.enumerated().map { i, row in
            RowCase(variant: variant, index: i,
                    label: "\(make(variant).name) \(row.state.name) + \(row.event.name) [\(variant.grantExclusive ? "E" : "S")/\(variant.silentCleanEviction ? "silent" : "notify")]")
        }
    }
}

let line: UInt64 = 7

@Suite struct CoreTableRows {
    static let all = cases(CoreComplexProtocol.table)

    @Test(arguments: all)
    func rowFires(_ c: RowCase) throws {
        let table = CoreComplexProtocol.table(c.variant)
        let row = table.rows[c.index]
        let net = RecordingNetwork()
        let core = CoreComplexController(index: 0, llc: .llc(0), table: table, network: net)
        var completions: [(CoreComplexController.Operation, UInt64)] = []
        core.onComplete = { _, op, value in completions.append((op, value)) }
        if row.state != .I { core.lines[line] = .init(state: row.state, data: 5) }
        let stores = row.actions.contains(.hitStore) || row.actions.contains(.fillStore)
        let loads = row.actions.contains(.hitLoad) || row.actions.contains(.fillLoad)
        switch row.event {
        case .Load: try core.load(line)
        case .Store: try core.store(line, value: 99)
        case .Evict: try core.evict(line)
        default:
            if stores { core.pending[line] = .store(value: 99) } else if loads { core.pending[line] = .load }
            let kind: MessageKind = switch row.event {
            case .Data: .Data
            case .DataE: .DataE
            case .DataM: .DataM
            case .GntM: .GntM
            case .PutAck: .PutAck
            case .Inv: .Inv
            default: .Downgrade
            }
            try core.fire(row.event, line: line, message: CoherenceMessage(kind, line: line, from: .llc(0), to: .core(0), data: 42))
        }
        if row.actions == [.stall] {
            #expect(core.parkedCount(line) == 1 && net.sent.isEmpty && core.state(line) == row.state)
            return
        }
        #expect(core.state(line) == row.next, "\(c.label): ended in \(core.state(line).name), table says \(row.next.name)")
        let expected: [MessageKind] = row.actions.compactMap {
            switch $0 {
            case .sendGetS: .GetS
            case .sendGetM: .GetM
            case .sendUpgrade: .Upgrade
            case .sendPutM: .PutM
            case .sendPutE: .PutE
            case .sendPutS: .PutS
            case .sendInvAck: .InvAck
            case .sendInvAckData: .InvAckData
            case .sendDowngradeAck: .DowngradeAck
            case .sendDowngradeAckData: .DowngradeAckData
            case .sendUnblock: .Unblock
            default: nil
            }
        }
        #expect(net.sent.map(\.kind) == expected, "\(c.label): sent \(net.sent.map { "\($0.kind)" })")
        #expect(net.sent.allSatisfy { $0.destination == .llc(0) && $0.line == line })
        if row.actions.contains(where: { [.sendPutM, .sendInvAckData, .sendDowngradeAckData].contains($0) }) {
            #expect(net.sent.first { $0.kind.carriesData }?.data == 5, "dirty data must travel")
        }
        #expect(completions.count == ((stores || loads) ? 1 : 0))
        if stores { #expect(completions.first?.1 == 99 && core.lines[line]?.data == 99) }
        if row.actions.contains(.fillLoad) { #expect(completions.first?.1 == 42) }
        if row.actions.contains(.hitLoad) { #expect(completions.first?.1 == 5) }
    }
}

@Suite struct LLCTableRows {
    static let all = cases(LLCProtocol.table)

    @Test(arguments: all)
    func rowFires(_ c: RowCase) throws {
        let table = LLCProtocol.table(c.variant)
        let row = table.rows[c.index]
        let net = RecordingNetwork()
        let llc = LLCController(socket: 0, firstCore: 0, cores: 8, table: table, network: net, homeOf: { _ in .home(0) })
        // Fixture: sharers 1 and 2, owner 3, requester 0, two acks expected.
        if row.state != .I { llc.lines[line] = .init(state: row.state, data: 5, sharers: 0b110, owner: 3, requester: 0, acks: 2) }
        let request = [.GetS, .GetS_Alone, .GetS_Owned, .GetM].contains(row.event)
        let fromCore: Endpoint = .core(request ? 0 : 4)
        let message: CoherenceMessage? = {
            let kind: MessageKind? = switch row.event {
            case .GetS, .GetS_Alone, .GetS_Owned: .GetS
            case .GetM: .GetM
            case .PutOwnerClean: .PutE
            case .PutOwnerDirty: .PutM
            case .PutSharer, .PutStale: .PutS
            case .Ack, .LastAck: .InvAck
            case .AckData, .LastAckData: .InvAckData
            case .Unblock: .Unblock
            case .DataS: .DataS
            case .DataEx: .DataEx
            case .GntE: .GntE
            case .WbAck: .WbAck
            case .SnpInv: .SnpInv
            case .SnpData: .SnpData
            case .Replace: nil
            }
            guard let kind else { return nil }
            let source: Endpoint = [.DataS, .DataEx, .GntE, .WbAck, .SnpInv, .SnpData].contains(kind) ? .home(0) : fromCore
            return CoherenceMessage(kind, line: line, from: source, to: .llc(0), data: 42)
        }()
        try llc.fire(row.event, line: line, message: message)
        if row.actions == [.stall] {
            #expect(llc.parkedCount(line) == 1 && net.sent.isEmpty && llc.state(line) == row.state)
            return
        }
        #expect(llc.state(line) == row.next, "\(c.label): ended in \(llc.state(line).name), table says \(row.next.name)")
        var expected: [MessageKind] = []
        for action in row.actions {
            switch action {
            case .grantS: expected.append(.Data)
            case .grantE: expected.append(.DataE)
            case .grantM: expected.append(.DataM)
            case .invalidateOthers, .invalidateAll: expected += [.Inv, .Inv, .Inv]
            case .downgradeOwner: expected.append(.Downgrade)
            case .sendPutAck: expected.append(.PutAck)
            case .sendRdShared: expected.append(.RdShared)
            case .sendRdOwn: expected.append(.RdOwn)
            case .sendUpgradeReq: expected.append(.UpgradeReq)
            case .sendWbDirty: expected.append(.WbDirty)
            case .sendWbClean: expected.append(.WbClean)
            case .sendWbShared: expected.append(.WbShared)
            case .sendRspI: expected.append(.RspI)
            case .sendRspIWb: expected.append(.RspIWb)
            case .sendRspS: expected.append(.RspS)
            case .sendRspSWb: expected.append(.RspSWb)
            case .sendCmpAck: expected.append(.CmpAck)
            default: break
            }
        }
        #expect(net.sent.map(\.kind).sorted { $0.rawValue < $1.rawValue } == expected.sorted { $0.rawValue < $1.rawValue },
                "\(c.label): sent \(net.sent.map { "\($0.kind)" }), expected \(expected.map { "\($0)" })")
        for m in net.sent where m.kind.carriesData {
            let carried: UInt64 = row.actions.contains(.fill) || row.actions.contains(.writeData) ? 42 : 5
            #expect(m.data == carried, "\(c.label): \(m.kind) carries \(m.data), expected \(carried)")
        }
        if row.actions.contains(.grantS) || row.actions.contains(.grantE) || row.actions.contains(.grantM) {
            #expect(net.sent.contains { $0.destination == .core(0) }, "grants go to the requester")
        }
        if row.actions.contains(.sendPutAck) { #expect(net.sent.contains { $0.kind == .PutAck && $0.destination == .core(4) }) }
    }
}

@Suite struct HomeTableRows {
    static let all = cases(HomeProtocol.table)
    /// The FPGA table's rows beyond the home table's (the home rows are tested above).
    static let fpga = cases { HomeProtocol.fpgaTable($0) }.filter { $0.index >= HomeProtocol.table($0.variant).rows.count }
    /// The non-inclusive FPGA table's rows beyond the home table's.
    static let nonInclusive = cases { HomeProtocol.fpgaTable($0, inclusion: .nonInclusive) }
        .filter { $0.index >= HomeProtocol.table($0.variant).rows.count }

    @Test(arguments: all)
    func rowFires(_ c: RowCase) throws {
        try check(HomeProtocol.table(c.variant), c)
    }

    @Test(arguments: fpga)
    func fpgaRowFires(_ c: RowCase) throws {
        try check(HomeProtocol.fpgaTable(c.variant), c)
    }

    @Test(arguments: nonInclusive)
    func nonInclusiveRowFires(_ c: RowCase) throws {
        try check(HomeProtocol.fpgaTable(c.variant, inclusion: .nonInclusive), c)
    }

    @Test func theNonInclusiveTableHasReleaseRowsAndNoRecall() {
        let table = HomeProtocol.fpgaTable(ProtocolVariant(), inclusion: .nonInclusive)
        #expect(table.rows.contains { $0.state == .S && $0.event == .Release && $0.next == .S })
        #expect(table.rows.contains { $0.state == .EM && $0.event == .Release && $0.next == .EM })
        #expect(table.rows.contains { $0.state == .EM && $0.event == .WbOwnerDirty_Released && $0.next == .I })
        #expect(!table.rows.contains { $0.event == .Recall }, "a non-inclusive FMem never recalls")
        #expect(!HomeProtocol.fpgaTable(ProtocolVariant()).rows.contains { $0.event == .Release || $0.event == .WbOwnerDirty_Released })
    }

    /// The directory refines an owner's dirty writeback by whether the line's block is in FMem.
    @Test(arguments: [true, false])
    func anOwnersDirtyWritebackIsRefinedByItsBlock(_ backed: Bool) throws {
        let net = RecordingNetwork()
        let home = DirectoryController(index: 0, table: HomeProtocol.fpgaTable(ProtocolVariant(), inclusion: .nonInclusive), network: net)
        var remoteWrites: [(UInt64, UInt64)] = [], memoryWrites = 0
        home.lineBacked = { _ in backed }
        home.onRemoteWrite = { remoteWrites.append(($0, $1)) }
        home.onMemoryAccess = { _, write in if write { memoryWrites += 1 } }
        home.lines[line] = .init(state: .EM, owner: 1)
        try home.receive(CoherenceMessage(.WbDirty, line: line, from: .llc(1), to: .home(0), data: 9))
        #expect(home.state(line) == .I && net.sent.map(\.kind) == [.WbAck])
        #expect(memoryWrites == (backed ? 1 : 0), "a write to FMem only while the block is there")
        #expect(remoteWrites.map(\.0) == (backed ? [] : [line]) && remoteWrites.map(\.1) == (backed ? [] : [9]),
                "remote memory gets the data only while the block is out: \(remoteWrites)")
        #expect(home.memory[line] == (backed ? 9 : nil))
    }

    func check(_ table: HomeProtocol.Table, _ c: RowCase) throws {
        let row = table.rows[c.index]
        let net = RecordingNetwork()
        let home = DirectoryController(index: 0, table: table, network: net)
        var memoryReads = 0, memoryWrites = 0, recalled = 0, remoteWrites: [UInt64] = []
        home.onMemoryAccess = { _, write in if write { memoryWrites += 1 } else { memoryReads += 1 } }
        home.onRecalled = { _ in recalled += 1 }
        home.onRemoteWrite = { _, value in remoteWrites.append(value) }
        // Fixture: sharers 2 and 3, owner 1, requester 0, two responses expected; memory holds 5.
        if row.state != .I { home.lines[line] = .init(state: row.state, sharers: 0b1100, owner: 1, requester: 0, responses: 2, data: 0) }
        home.memory[line] = 5
        let kind: MessageKind = switch row.event {
        case .RdShared, .RdShared_Alone, .RdShared_Owned: .RdShared
        case .RdOwn_Alone, .RdOwn_Shared, .RdOwn_Owned: .RdOwn
        case .Upgrade_Alone, .Upgrade_Shared: .UpgradeReq
        case .WbOwnerDirty, .WbOwnerDirty_Released: .WbDirty
        case .WbOwnerClean: .WbClean
        case .WbSharer, .WbLastSharer, .WbStale: .WbShared
        case .Rsp, .LastRspI: .RspI
        case .LastRspIData: .RspIWb
        case .LastRspS: .RspS
        case .LastRspSData: .RspSWb
        case .CmpAck: .CmpAck
        case .Recall, .Release: .CmpAck           // no message: the eviction engine fires it
        }
        let sender = [.RdShared, .RdOwn, .UpgradeReq].contains(kind) ? 0 : 4
        let before = home.lines[line]
        if row.event == .Recall {
            try home.recall(line)
        } else if row.event == .Release {
            try home.release(line)
        } else {
            try home.fire(row.event, line: line, message: CoherenceMessage(kind, line: line, from: .llc(sender), to: .home(0), data: 42),
                          sender: sender)
        }
        if row.actions == [.stall] {
            #expect(home.parkedCount(line) == 1 && net.sent.isEmpty && home.state(line) == row.state)
            return
        }
        #expect(home.state(line) == row.next, "\(c.label): ended in \(home.state(line).name), table says \(row.next.name)")
        var expected: [MessageKind] = []
        for action in row.actions {
            switch action {
            case .grantS: expected.append(.DataS)
            case .grantE: expected.append(.DataEx)
            case .grantOwnership: expected.append(.GntE)
            case .snoopInvSharers: expected += [.SnpInv, .SnpInv]
            case .snoopInvAll: expected += [.SnpInv, .SnpInv]
            case .snoopInvOwner: expected.append(.SnpInv)
            case .snoopDataOwner: expected.append(.SnpData)
            case .sendWbAck: expected.append(.WbAck)
            default: break
            }
        }
        #expect(net.sent.map(\.kind).sorted { $0.rawValue < $1.rawValue } == expected.sorted { $0.rawValue < $1.rawValue },
                "\(c.label): sent \(net.sent.map { "\($0.kind)" })")
        #expect(memoryReads == row.actions.filter { $0 == .readMemory }.count)
        #expect(memoryWrites == row.actions.filter { $0 == .writeMemory }.count)
        #expect(recalled == row.actions.filter { $0 == .recalled }.count)
        #expect(remoteWrites == (row.actions.contains(.writeRemote) ? [42] : []), "\(c.label): remote writes \(remoteWrites)")
        if row.event == .Release {
            let after = home.lines[line]
            #expect(after?.state == before?.state && after?.sharers == before?.sharers && after?.owner == before?.owner,
                    "a release keeps the entry as it was")
        }
        if row.actions.contains(.snoopInvAll) { #expect(home.lines[line]?.sharers == 0 && home.lines[line]?.responses == 2) }
        if row.actions.contains(.clearOwner) && row.next == .I { #expect(home.lines[line] == nil) }
        if row.actions.contains(.writeMemory) { #expect(home.memory[line] == 42) }
        for m in net.sent where m.kind == .DataS || m.kind == .DataEx {
            #expect(m.destination == .llc(0))
            #expect(m.data == (row.actions.contains(.writeMemory) ? 42 : 5), "grants carry memory's (or the written-back) value")
        }
        if row.actions.contains(.sendWbAck) { #expect(net.sent.contains { $0.kind == .WbAck && $0.destination == .llc(4) }) }
    }
}
