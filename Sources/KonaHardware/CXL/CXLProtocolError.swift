/// A CXL table executor met something its tables or invariants do not allow: a missing row,
/// a response nobody expects, an entry freed while hosts are listed. `problem` says which,
/// naming the host, the state and the event.
public struct CXLProtocolError: Error, Sendable, CustomStringConvertible {
    public var problem: String
    public var description: String { problem }

    public init(problem: String) { self.problem = problem }
}
