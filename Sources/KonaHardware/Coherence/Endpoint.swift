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
