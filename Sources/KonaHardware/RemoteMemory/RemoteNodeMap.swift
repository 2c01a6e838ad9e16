/// Which remote memory node holds a block: blocks round-robin over the nodes (striped), or
/// contiguous partitions of `partitionSize` bytes (address / partitionSize mod nodes).
public struct RemoteNodeMap: Sendable {
    public var nodes: Int
    public var striped: Bool
    public var partitionSize: UInt64
    /// log2 of the block size.
    public var blockShift: UInt64

    public init(nodes: Int, striped: Bool, partitionSize: UInt64, blockSize: UInt64) {
        self.nodes = nodes
        self.striped = striped
        self.partitionSize = partitionSize
        blockShift = UInt64(blockSize.trailingZeroBitCount)
    }

    /// The node that holds `block`.
    public func node(of block: UInt64) -> Int {
        striped ? Int(block % UInt64(nodes)) : Int((block << blockShift) / partitionSize % UInt64(nodes))
    }
}
