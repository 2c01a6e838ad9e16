import KonaEngine
import KonaProtocol

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
