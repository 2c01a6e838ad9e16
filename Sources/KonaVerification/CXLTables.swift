import KonaProtocol

/// The two tables of a CXL HDM-DB range: the hosts' and the device coherence engine's
/// (`CXLBreakage` alters them on purpose).
public struct CXLTables: Sendable {
    public var host: CXLHostProtocol.Table
    public var device: CXLDeviceProtocol.Table

    /// The correct tables.
    public init() {
        host = CXLHostProtocol.table
        device = CXLDeviceProtocol.table
    }
}
