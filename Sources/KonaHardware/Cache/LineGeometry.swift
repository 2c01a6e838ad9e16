/// Line geometry shared by every cache in the model.
public enum LineGeometry {
    /// Bytes per cache line.
    public static let lineSize: UInt64 = 64
    /// log2 of `lineSize`.
    public static let lineShift: UInt64 = 6
}
