import KonaEngine
import KonaProtocol
import KonaWorkloads

/// The functional model of the coherent system: every access applied atomically, in the
/// order given, to the private caches, the socket LLCs, the CPU homes and the remote home,
/// through the same protocol tables and controllers as the detailed model, with no time.
///
/// Each access runs its transaction, and everything it causes (replacements, write-backs,
/// recalls, FMem evictions and fetches), to completion before the next: a message queue
/// (`FunctionalNetwork`) is drained after each. The counts need no time and carry the
/// detailed model's statistic names (`counts`); they equal the detailed model's where its
/// order of state changes is the same (one in-order core, one access in flight).
/// - Complexity: an L1D hit costs a tag lookup and allocates nothing; a miss costs its
///   transaction's messages, each one table lookup.
public final class FunctionalSystem {
    /// The hardware, as plain values (the system layer reads them from the config).
    public struct Parameters: Sendable {
        public var sockets: Int
        public var coresPerSocket: Int
        public var l1: (sets: Int, ways: Int)
        public var l2: (sets: Int, ways: Int)
        public var llc: (sets: Int, ways: Int)
        public var llcWritebackBuffer: Int
        /// Bytes of local memory per unit interleaved over the sockets' homes.
        public var interleave: UInt64
        public var variant: ProtocolVariant
        public var seed: UInt64

        public init(sockets: Int, coresPerSocket: Int, l1: (sets: Int, ways: Int), l2: (sets: Int, ways: Int),
                    llc: (sets: Int, ways: Int), llcWritebackBuffer: Int, interleave: UInt64, variant: ProtocolVariant, seed: UInt64) {
            self.interleave = interleave
            self.sockets = sockets
            self.coresPerSocket = coresPerSocket
            self.l1 = l1
            self.l2 = l2
            self.llc = llc
            self.llcWritebackBuffer = llcWritebackBuffer
            self.variant = variant
            self.seed = seed
        }
    }

    /// The Kona FPGA's FMem, eviction and network framing, as plain values.
    public struct RemoteParameters {
        public var sets: Int, ways: Int, blockSize: UInt64, policy: FrameCache.Policy
        public var dirtyOnGrant: Bool, wholeBlock: Bool, criticalFirst: Bool
        public var batchBytes: UInt64, sgEntries: Int, sgEntryBytes: UInt64, headerBytes: UInt64, mtu: UInt64
        public var highWatermark: Double, lowWatermark: Double, coldestVictim: Bool, scan: Int

        public init(sets: Int, ways: Int, blockSize: UInt64, policy: FrameCache.Policy, dirtyOnGrant: Bool, wholeBlock: Bool,
                    criticalFirst: Bool, batchBytes: UInt64, sgEntries: Int, sgEntryBytes: UInt64, headerBytes: UInt64,
                    mtu: UInt64, highWatermark: Double, lowWatermark: Double, coldestVictim: Bool, scan: Int) {
            self.sets = sets
            self.ways = ways
            self.blockSize = blockSize
            self.policy = policy
            self.dirtyOnGrant = dirtyOnGrant
            self.wholeBlock = wholeBlock
            self.criticalFirst = criticalFirst
            self.batchBytes = batchBytes
            self.sgEntries = sgEntries
            self.sgEntryBytes = sgEntryBytes
            self.headerBytes = headerBytes
            self.mtu = mtu
            self.highWatermark = highWatermark
            self.lowWatermark = lowWatermark
            self.coldestVictim = coldestVictim
            self.scan = scan
        }
    }

    private let network = FunctionalNetwork()
    var complexes: [FunctionalComplex] = []
    var llcs: [FunctionalLLC] = []
    var homes: [FunctionalHome] = []
    let remote: FunctionalHome?
    /// The transaction memo (one socket of at most 8 cores, remote memory not paged; none otherwise).
    let transactionMemo: TransactionMemo?
    /// The paging home, when remote memory is paged (home number `sockets`; `pagedAccess`).
    let paging: FunctionalPagingHome?
    /// Accesses applied.
    public internal(set) var accesses: UInt64 = 0

    /// A system of `parameters`; with `remote` and `placement`, the lines `placement` says are
    /// remote are homed by the FPGA (home number `sockets`); with `paging` instead, by the
    /// paging home, its own placement saying which lines are remote.
    public init(_ parameters: Parameters, remote remoteParameters: RemoteParameters?, placement: RemotePlacement?,
                paging pagingParameters: PagingParameters? = nil) {
        let sockets = parameters.sockets, perSocket = parameters.coresPerSocket, network = self.network
        let interleaveSockets = UInt64(sockets), interleave = parameters.interleave
        let remotePlacement = remoteParameters == nil ? pagingParameters?.placement : placement
        let homeOf: (UInt64) -> Endpoint = { line in
            if remotePlacement?.isRemote(line) == true { return .home(sockets) }
            return .home(sockets == 1 ? 0 : Int((line << LineGeometry.lineShift) / interleave % interleaveSockets))
        }
        for s in 0..<sockets {
            llcs.append(FunctionalLLC(path: "llc\(s)", socket: s, firstCore: s * perSocket, cores: perSocket,
                                      sets: parameters.llc.sets, ways: parameters.llc.ways,
                                      writebackBuffer: parameters.llcWritebackBuffer, table: LLCProtocol.table(parameters.variant),
                                      network: network, homeOf: homeOf, seed: parameters.seed))
        }
        // The memo knows the CPU and FPGA homes only: a paged system takes the message path.
        // It is made before the homes and cores, which hold it; it is given them once made.
        let memo = sockets == 1 && perSocket <= 8 && pagingParameters == nil
            ? TransactionMemo(cores: perSocket, llc: llcs[0], homes: sockets + (remoteParameters == nil ? 0 : 1),
                              network: network, placement: remotePlacement)
            : nil
        transactionMemo = memo
        for s in 0..<sockets {
            homes.append(FunctionalHome(index: s, table: HomeProtocol.table(parameters.variant), remote: nil, frames: nil,
                                        network: network, memo: memo))
        }
        if let r = remoteParameters {
            let frames = FrameCache(sets: r.sets, ways: r.ways, linesPerBlock: Int(r.blockSize >> LineGeometry.lineShift),
                                    policy: r.policy, random: RandomStream(seed: parameters.seed, path: "fpga.fmem.replacement"))
            let home = FunctionalHome(index: sockets, table: HomeProtocol.fpgaTable(parameters.variant),
                                      remote: .init(blockSize: r.blockSize, dirtyOnGrant: r.dirtyOnGrant,
                                                    wholeBlock: r.wholeBlock, criticalFirst: r.criticalFirst,
                                                    batchBytes: r.batchBytes, sgEntries: r.sgEntries,
                                                    sgEntryBytes: r.sgEntryBytes, headerBytes: r.headerBytes, mtu: r.mtu,
                                                    highWatermark: r.highWatermark, lowWatermark: r.lowWatermark,
                                                    coldestVictim: r.coldestVictim, scan: r.scan),
                                      frames: frames, network: network, memo: memo)
            homes.append(home)
            remote = home
        } else {
            remote = nil
        }
        paging = pagingParameters.map {
            FunctionalPagingHome(index: sockets, table: HomeProtocol.fpgaTable(parameters.variant), parameters: $0,
                                 seed: parameters.seed, network: network)
        }
        network.paging = paging.map { Unmanaged.passUnretained($0) }
        for s in 0..<sockets {
            for k in 0..<perSocket {
                let c = s * perSocket + k
                complexes.append(FunctionalComplex(path: "cpu\(c)", index: c, llc: .llc(s),
                                                   table: CoreComplexProtocol.table(parameters.variant),
                                                   l1: parameters.l1, l2: parameters.l2, network: network, memo: memo,
                                                   seed: parameters.seed))
            }
        }
        memo?.attach(complexes: complexes, homes: homes)
        network.complexes = ContiguousArray(complexes.map { Unmanaged.passUnretained($0) })
        network.llcs = ContiguousArray(llcs.map { Unmanaged.passUnretained($0) })
        network.homes = ContiguousArray(homes.map { Unmanaged.passUnretained($0) })
    }

    /// Applies a load or store of core `core` to line number `line`, and all it causes.
    @inline(__always)
    public func access(core: Int, line: UInt64, isStore: Bool) throws(ProtocolViolation) {
        accesses &+= 1
        var failure: ProtocolViolation?
        network.complexes[core]._withUnsafeGuaranteedRef { complex in
            do throws(ProtocolViolation) { try complex.access(line: line, isStore: isStore) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Applies up to `limit` accesses of `streams` in their issue order, each as `access`
    /// would (`pagedAccess` when `paged`), and all they cause; returns how many it applied.
    /// `feed` is handed the accesses of each take (one, or the rest of a batch) before they are applied.
    /// - Complexity: O(cores) per access to choose the core (O(1) once one stream is left); an L1D hit is a tag lookup.
    public func apply(_ streams: inout IssueStreams, limit: UInt64, paged: Bool,
                      feed: ((UnsafeBufferPointer<MemoryAccess>) -> Void)?) throws(ProtocolViolation) -> UInt64 {
        var applied: UInt64 = 0
        let complexes = network.complexes
        while applied < limit {
            let count = try streams.take(limit: Int(clamping: limit &- applied)) { core, taken throws(ProtocolViolation) in
                feed?(taken)
                if paged {
                    for i in 0 ..< taken.count {                 // `pagedAccess` counts the access
                        try pagedAccess(core: core, line: taken[i].address >> LineGeometry.lineShift, isStore: taken[i].kind == .store)
                    }
                    return
                }
                let failed = complexes[core]._withUnsafeGuaranteedRef { $0.apply(taken) }
                if failed >= 0 {
                    accesses &+= UInt64(failed &+ 1)          // the access that failed counts, as in `access`
                    throw complexes[core]._withUnsafeGuaranteedRef { $0.failure! }
                }
                accesses &+= UInt64(taken.count)
            }
            if count == 0 { break }
            applied &+= UInt64(count)
        }
        return applied
    }

    /// Every count the model keeps, under the detailed model's statistic names.
    public var counts: [(name: String, value: UInt64)] {
        var out: [(String, UInt64)] = []
        for (c, complex) in complexes.enumerated() {
            let p = "cpu\(c)."
            out += [(p + "l1d.accesses", complex.l1Hits + complex.l1Misses), (p + "l1d.hits", complex.l1Hits),
                    (p + "l1d.misses", complex.l1Misses), (p + "l2.accesses", complex.l2Hits + complex.l2Misses),
                    (p + "l2.hits", complex.l2Hits), (p + "l2.misses", complex.l2Misses), (p + "upgrades", complex.upgrades),
                    (p + "evictions", complex.evictions), (p + "snoops", complex.snoops)]
        }
        for (s, llc) in llcs.enumerated() {
            out += [("llc\(s).requests", llc.requests), ("llc\(s).misses", llc.misses), ("llc\(s).replacements", llc.replacements)]
        }
        if let remote {
            out += [("fpga.requests", remote.requests), ("fpga.fmem.hits", remote.hits),
                    ("fpga.fmem.misses", remote.requests - remote.hits), ("fpga.fetches", remote.fetches),
                    ("fpga.evictions", remote.evictions), ("fpga.background_evictions", remote.backgroundEvictions),
                    ("fpga.lines_written_back", remote.linesWrittenBack),
                    ("fpga.dirty_lines_written_back", remote.dirtyLinesWrittenBack),
                    ("fpga.fmem.dirty_bits", UInt64(remote.frames!.dirtyBits)),
                    ("fpga.fmem.access_bits", UInt64(remote.frames!.accessBits)),
                    ("net.bytes_read", remote.bytesRead), ("net.bytes_written", remote.bytesWritten)]
        }
        if let paging { out += paging.counts }
        return out.sorted { $0.0 < $1.0 }
    }

    /// Messages the model delivered (a measure of its work).
    public var messages: UInt64 { network.messages }
}
