/// The virtual channel a message travels on. Keeping the four apart is what makes the
/// protocol deadlock-free: a controller may park requests and snoops, never responses
/// or data.
public enum Channel: Int, Sendable, CaseIterable, CustomStringConvertible {
    case request, snoop, response, data
    public var description: String { ["request", "snoop", "response", "data"][rawValue] }
}
