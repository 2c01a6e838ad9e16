import KonaEngine
import KonaProtocol

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
