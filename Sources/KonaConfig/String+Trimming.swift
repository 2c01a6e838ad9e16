extension String {
    /// The text without leading and trailing spaces and tabs. (Over UTF-8 bytes: both are
    /// single bytes, and a search by Character costs hundreds of instructions a step.)
    var trimmingSpaces: String {
        let bytes = utf8
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(Substring(bytes[first ..< bytes.index(after: last)]))
    }

    /// The text without underscores.
    var replacingUnderscores: String {
        utf8.contains(0x5F) ? String(decoding: utf8.filter { $0 != 0x5F }, as: UTF8.self) : self
    }
}
