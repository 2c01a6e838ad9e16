extension ProtocolVariant {
    /// Parses `grant=e|s,clean=notify|silent` (either part may be left out: default grant=e,
    /// clean=notify); nil if malformed.
    public init?(parsing text: String) {
        self.init()
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { return nil }
            switch (kv[0], kv[1]) {
            case ("grant", "e"): grantExclusive = true
            case ("grant", "s"): grantExclusive = false
            case ("clean", "notify"): silentCleanEviction = false
            case ("clean", "silent"): silentCleanEviction = true
            default: return nil
            }
        }
    }

    /// `grant=e,clean=notify` style (parsed back by `init(parsing:)`).
    public var shortDescription: String {
        "grant=\(grantExclusive ? "e" : "s"),clean=\(silentCleanEviction ? "silent" : "notify")"
    }
}
