/// Where a line lives in a banked DRAM: channel, rank, bank group, bank and row.
///
/// Built once from `DRAMParameters.mapping` (fields from the most significant down; the row
/// takes every bit above the others); decoding a line is a few shifts and masks, O(1),
/// no allocation. With `xorBankHash` the bank group and bank are XORed with the row's low
/// bits, so rows that would conflict in one bank spread over the banks.
public struct DRAMAddressMapping: Sendable {
    /// A decoded line.
    public struct Location: Sendable, Equatable {
        public var channel: Int
        public var rank: Int
        public var bankGroup: Int
        public var bank: Int
        public var row: UInt64
    }

    private let channelShift: UInt64, channelMask: UInt64
    private let rankShift: UInt64, rankMask: UInt64
    private let groupShift: UInt64, groupMask: UInt64
    private let bankShift: UInt64, bankMask: UInt64
    private let rowShift: UInt64
    private let groupBits: UInt64
    private let xor: Bool
    /// Aligned consecutive lines that share channel, rank, bank and row, their bank group
    /// cycling through the rank's groups with the lowest bits (one channel, the bank group
    /// the lowest field, the column next: the presets' mapping); 1 under any other mapping.
    let trainLines: UInt64

    public init(_ p: DRAMParameters) {
        func bits(_ n: Int) -> UInt64 { UInt64(n.trailingZeroBitCount) }
        var widths: [DRAMParameters.Field: UInt64] = [
            .column: bits(p.rowLines), .channel: bits(p.channels), .rank: bits(p.ranks),
            .bankgroup: bits(p.bankGroups), .bank: bits(p.banksPerGroup), .row: 0,
        ]
        var shifts: [DRAMParameters.Field: UInt64] = [:]
        var shift: UInt64 = 0
        for field in p.mapping.reversed() {
            shifts[field] = shift
            shift += widths[field]!
        }
        widths[.row] = 64 - shifts[.row]!
        channelShift = shifts[.channel]!; channelMask = UInt64(p.channels - 1)
        rankShift = shifts[.rank]!; rankMask = UInt64(p.ranks - 1)
        groupShift = shifts[.bankgroup]!; groupMask = UInt64(p.bankGroups - 1)
        bankShift = shifts[.bank]!; bankMask = UInt64(p.banksPerGroup - 1)
        rowShift = shifts[.row]!
        groupBits = bits(p.bankGroups)
        xor = p.xorBankHash
        let grouped = p.channels == 1 && shifts[.bankgroup]! == 0 && shifts[.column]! == widths[.bankgroup]!
        trainLines = grouped ? 1 << (widths[.bankgroup]! + widths[.column]!) : 1
    }

    /// The location of `line` (a line number: byte address / 64).
    @inline(__always)
    public func locate(_ line: UInt64) -> Location {
        let row = line &>> rowShift
        var group = (line &>> groupShift) & groupMask
        var bank = (line &>> bankShift) & bankMask
        if xor {
            group ^= row & groupMask
            bank ^= (row &>> groupBits) & bankMask
        }
        return Location(channel: Int(truncatingIfNeeded: (line &>> channelShift) & channelMask),
                        rank: Int(truncatingIfNeeded: (line &>> rankShift) & rankMask),
                        bankGroup: Int(truncatingIfNeeded: group), bank: Int(truncatingIfNeeded: bank), row: row)
    }
}
