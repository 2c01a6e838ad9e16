/// Parsing and printing of quantities with units: sizes (`32KiB`), times (`70ns`),
/// frequencies (`2.4GHz`) and bandwidths (`100Gbps`, `12.5GB/s`).
///
/// Values are exact integers in a base unit (bytes, picoseconds, hertz, bits per second);
/// a decimal that does not land on a whole base unit is an error, never rounded silently.
public enum Units {
    /// A failure to read a quantity; the message says what was expected.
    public struct ParseError: Error, Equatable, Sendable {
        public let message: String
    }

    /// Bytes: `64`, `64B`, `32KiB`, `4MiB`, `1GiB`, `1TiB` (powers of 1024) or
    /// `1KB`, `1MB`, `1GB`, `1TB` (powers of 1000).
    public static func bytes(_ text: String) throws(ParseError) -> UInt64 {
        try quantity(text, what: "a size", units: [
            ("", 1), ("B", 1), ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
            ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ], example: "32KiB")
    }

    /// Picoseconds: `500ps`, `70ns`, `3us`, `1.5ms`, `2s`. A unit is required.
    public static func duration(_ text: String) throws(ParseError) -> UInt64 {
        try quantity(text, what: "a time", units: [
            ("ps", 1), ("ns", 1_000), ("us", 1_000_000), ("ms", 1_000_000_000), ("s", 1_000_000_000_000),
        ], example: "70ns")
    }

    /// Hertz: `400MHz`, `2.4GHz`, `100kHz`, `50Hz`. A unit is required.
    public static func frequency(_ text: String) throws(ParseError) -> UInt64 {
        try quantity(text, what: "a frequency", units: [
            ("Hz", 1), ("kHz", 1_000), ("KHz", 1_000), ("MHz", 1_000_000), ("GHz", 1_000_000_000), ("THz", 1_000_000_000_000),
        ], example: "2.4GHz")
    }

    /// Bits per second: `100Gbps`, `400Mbps` (bits) or `12.5GB/s`, `800MB/s`, `1GiB/s` (bytes).
    public static func bandwidth(_ text: String) throws(ParseError) -> UInt64 {
        try quantity(text, what: "a bandwidth", units: [
            ("bps", 1), ("Kbps", 1_000), ("kbps", 1_000), ("Mbps", 1_000_000), ("Gbps", 1_000_000_000), ("Tbps", 1_000_000_000_000),
            ("B/s", 8), ("KB/s", 8_000), ("MB/s", 8_000_000), ("GB/s", 8_000_000_000), ("TB/s", 8_000_000_000_000),
            ("KiB/s", 8 << 10), ("MiB/s", 8 << 20), ("GiB/s", 8 << 30),
        ], example: "100Gbps or 12.5GB/s")
    }

    private static func quantity(_ raw: String, what: String, units: [(String, UInt64)],
                                 example: String) throws(ParseError) -> UInt64 {
        let text = raw.trimmingSpaces
        // The number's digits, points and underscores: ASCII, scanned as UTF-8 bytes.
        let bytes = text.utf8
        var digitsEnd = bytes.startIndex
        while digitsEnd < bytes.endIndex, case let b = bytes[digitsEnd], (0x30 ... 0x39).contains(b) || b == 0x2E || b == 0x5F {
            digitsEnd = bytes.index(after: digitsEnd)
        }
        let number = String(text[..<digitsEnd]).replacingUnderscores
        let unit = String(text[digitsEnd...]).trimmingSpaces
        guard !number.isEmpty else {
            throw ParseError(message: "'\(raw)' is not \(what) (expected a number and a unit, e.g. \(example))")
        }
        guard let factor = units.first(where: { $0.0 == unit })?.1 else {
            let known = units.map(\.0).filter { !$0.isEmpty }.joined(separator: ", ")
            let problem = unit.isEmpty ? "needs a unit" : "has unknown unit '\(unit)'"
            throw ParseError(message: "'\(raw)' \(problem); \(what) takes one of \(known) (e.g. \(example))")
        }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty || parts.count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isNumber) }), !(parts.count == 2 && parts[1].isEmpty) else {
            throw ParseError(message: "'\(raw)' is not \(what): malformed number '\(number)'")
        }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard let mantissa = UInt64(String(parts[0]) + fraction), fraction.count <= 18 else {
            throw ParseError(message: "'\(raw)' is too large")
        }
        var scale: UInt64 = 1
        for _ in 0..<fraction.count { scale *= 10 }
        let product = mantissa.multipliedFullWidth(by: factor)
        guard product.high < scale else { throw ParseError(message: "'\(raw)' is too large") }
        let (quotient, remainder) = scale.dividingFullWidth(product)
        guard remainder == 0 else {
            let base: String = units.first(where: { $0.1 == 1 && !$0.0.isEmpty }).map { $0.0 } ?? "bytes"
            throw ParseError(message: "'\(raw)' is not a whole number of \(base)")
        }
        return quotient
    }

    // MARK: Printing

    /// `value` as the largest binary size unit that divides it exactly (`32KiB`, `72B`).
    public static func formatBytes(_ value: UInt64) -> String {
        for (unit, factor) in [("TiB", UInt64(1) << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where value >= factor && value % factor == 0 {
            return "\(value / factor)\(unit)"
        }
        return "\(value)B"
    }

    /// `value` picoseconds in the largest unit that keeps it short and exact (`70ns`, `1.5us`).
    public static func formatDuration(_ value: UInt64) -> String {
        decimal(value, [("s", 1_000_000_000_000), ("ms", 1_000_000_000), ("us", 1_000_000), ("ns", 1_000), ("ps", 1)])
    }

    /// `value` hertz as `2.4GHz`, `400MHz`.
    public static func formatFrequency(_ value: UInt64) -> String {
        decimal(value, [("THz", 1_000_000_000_000), ("GHz", 1_000_000_000), ("MHz", 1_000_000), ("kHz", 1_000), ("Hz", 1)])
    }

    /// `value` bits per second as bytes per second when whole (`12.5GB/s`), else bits (`1Gbps`).
    public static func formatBandwidth(_ value: UInt64) -> String {
        if value % 8 == 0 {
            return decimal(value / 8, [("TB/s", 1_000_000_000_000), ("GB/s", 1_000_000_000), ("MB/s", 1_000_000), ("KB/s", 1_000), ("B/s", 1)])
        }
        return decimal(value, [("Tbps", 1_000_000_000_000), ("Gbps", 1_000_000_000), ("Mbps", 1_000_000), ("Kbps", 1_000), ("bps", 1)])
    }

    /// The first unit in which `value` is at least 1, with up to three exact decimals,
    /// falling back to smaller units when three decimals are not exact.
    private static func decimal(_ value: UInt64, _ units: [(String, UInt64)]) -> String {
        for (unit, factor) in units where value >= factor || factor == 1 {
            let whole = value / factor
            let rest = value % factor
            if rest == 0 { return "\(whole)\(unit)" }
            if factor >= 1000, rest % (factor / 1000) == 0 {
                var digits = String(rest / (factor / 1000))
                digits = String(repeating: "0", count: 3 - digits.count) + digits
                while digits.hasSuffix("0") { digits.removeLast() }
                return "\(whole).\(digits)\(unit)"
            }
        }
        return "\(value)\(units.last!.0)"
    }
}
