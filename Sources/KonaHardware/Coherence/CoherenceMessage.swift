import KonaEngine
import KonaProtocol

/// Who sends and receives coherence messages: a core complex, a socket LLC or a home.
public enum Endpoint: Hashable, Sendable, CustomStringConvertible {
    case core(Int)
    case llc(Int)
    case home(Int)

    /// Distance from the cores: 0 for a core, 1 for an LLC, 2 for a home. A message to a
    /// higher level travels toward memory.
    public var level: Int {
        switch self {
        case .core: 0
        case .llc: 1
        case .home: 2
        }
    }

    public var description: String {
        switch self {
        case .core(let i): "core\(i)"
        case .llc(let i): "llc\(i)"
        case .home(let i): "home\(i)"
        }
    }
}

/// A coherence message in flight. `data` is the line's value (data-value tracking: every
/// store writes a fresh value), meaningful when `kind.carriesData`.
public struct CoherenceMessage: Sendable, CustomStringConvertible {
    public var kind: MessageKind
    public var line: UInt64
    public var source: Endpoint
    public var destination: Endpoint
    public var data: UInt64

    public init(_ kind: MessageKind, line: UInt64, from source: Endpoint, to destination: Endpoint, data: UInt64 = 0) {
        self.kind = kind
        self.line = line
        self.source = source
        self.destination = destination
        self.data = data
    }

    public var description: String {
        "\(kind) line \(line) \(source)->\(destination)" + (kind.carriesData ? " data \(data)" : "")
    }
}

/// Carries messages between controllers; the tester delays them at random, the timed
/// system sends them over channels with latency and bandwidth.
public protocol CoherenceNetwork: AnyObject {
    /// Sends `message` now; it is delivered later to `message.destination`.
    func send(_ message: CoherenceMessage)
}

/// Thrown by a controller that meets a `(state, event)` pair its table does not allow.
public struct ProtocolViolation: Error, Sendable, CustomStringConvertible {
    public var component: String
    public var line: UInt64
    public var state: String
    public var event: String
    public var message: String?

    public var description: String {
        "\(component): no transition for (\(state), \(event)) on line \(line)" + (message.map { " (message \($0))" } ?? "")
    }

    /// As a simulation error (exit code 3) at `time`.
    public func asSimulationError(at time: Tick) -> SimulationError {
        SimulationError(.protocolViolation, time: time, component: component,
                        message: "line 0x\(String(line << 6, radix: 16)): no transition for state \(state) on event \(event)"
                            + (message.map { " (message \($0))" } ?? ""))
    }
}

/// Per-controller counts of how often each table row fired.
public struct RowCoverage: Sendable {
    public private(set) var hits: [Int]
    public init(rows: Int) { hits = [Int](repeating: 0, count: rows) }
    @inline(__always) public mutating func hit(_ row: Int) { hits[row] += 1 }
    /// Adds another controller's counts (same table).
    public mutating func merge(_ other: RowCoverage) {
        for i in hits.indices { hits[i] += other.hits[i] }
    }
}

extension ProtocolTable {
    /// The position of the row for `(state, event)`, counted in `coverage`.
    /// - Throws: `ProtocolViolation` naming `component`, the line, the state and the event
    ///   when the table has no such row.
    @inline(__always)
    func lookup(_ state: State, _ event: Event, component: String, line: UInt64, message: CoherenceMessage?,
                coverage: inout RowCoverage) throws(ProtocolViolation) -> Int {
        guard let index = rowIndex(state, event) else {
            throw ProtocolViolation(component: component, line: line, state: state.name, event: event.name,
                                    message: message?.description)
        }
        coverage.hit(index)
        return index
    }

    /// Positions in `actionList` of row `r`'s actions.
    @inline(__always)
    func actions(of r: Int) -> Range<Int> { Int(actionStarts[r]) ..< Int(actionStarts[r + 1]) }

    /// Whether row `r` only parks its event (its one action is `stall`).
    @inline(__always)
    func isStall(_ r: Int, _ stall: Action) -> Bool { actionStarts[r + 1] - actionStarts[r] == 1 && actionList[Int(actionStarts[r])] == stall }
}

/// Messages a controller parked on busy lines, released in arrival order when the line's
/// state changes.
struct ParkedMessages {
    private var byLine = LineMap<[CoherenceMessage]>()

    mutating func park(_ message: CoherenceMessage, on line: UInt64) { byLine[line] = (byLine[line] ?? []) + [message] }

    /// Whether any message is parked.
    var any: Bool { !byLine.isEmpty }

    /// Removes and returns the messages parked on `line`.
    mutating func release(_ line: UInt64) -> [CoherenceMessage] { byLine.removeValue(forKey: line) ?? [] }

    func count(_ line: UInt64) -> Int { byLine[line]?.count ?? 0 }

    /// The messages parked on `line`, in order.
    func messages(_ line: UInt64) -> [CoherenceMessage] { byLine[line] ?? [] }

    /// Parks exactly `lines`' messages (line, messages in order), keeping the storage.
    mutating func replace(with lines: [(UInt64, [CoherenceMessage])]) {
        byLine.removeAll()
        for (line, messages) in lines where !messages.isEmpty { byLine[line] = messages }
    }
}

/// What a directory records about who holds a line: a set of sharers (a bit per core or
/// socket) and at most one owner. The LLC's and the home's entries share this bookkeeping.
protocol LineHolders {
    var sharers: UInt64 { get set }
    var owner: Int? { get set }
}

extension LineHolders {
    /// `holder` gets a shared copy (and is no longer the owner).
    mutating func addSharer(_ holder: Int) {
        sharers |= 1 << UInt64(holder)
        if owner == holder { owner = nil }
    }

    /// `holder` no longer shares the line.
    mutating func removeSharer(_ holder: Int) { sharers &= ~(1 << UInt64(holder)) }

    /// `holder` becomes the only holder, as owner.
    mutating func makeOwner(_ holder: Int) {
        owner = holder
        sharers = 0
    }

    /// The downgraded owner keeps a shared copy.
    mutating func ownerToSharer() {
        if let o = owner {
            sharers |= 1 << UInt64(o)
            owner = nil
        }
    }
}
