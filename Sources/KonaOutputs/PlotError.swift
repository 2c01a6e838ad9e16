/// A plot that cannot be drawn from the given results.
public struct PlotError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
