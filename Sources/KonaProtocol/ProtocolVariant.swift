/// The protocol variants a system is built with (config `protocol.*`).
public struct ProtocolVariant: Sendable, Hashable, CustomStringConvertible {
    /// A read miss with no other holder gets an exclusive (E) copy; otherwise S.
    public var grantExclusive: Bool
    /// Clean lines (S, E) are dropped without telling the level above.
    public var silentCleanEviction: Bool

    public init(grantExclusive: Bool = true, silentCleanEviction: Bool = false) {
        self.grantExclusive = grantExclusive
        self.silentCleanEviction = silentCleanEviction
    }

    /// All four combinations.
    public static let all: [ProtocolVariant] = [false, true].flatMap { g in
        [false, true].map { s in ProtocolVariant(grantExclusive: g, silentCleanEviction: s) }
    }

    public var description: String {
        "grant_exclusive=\(grantExclusive), clean_eviction=\(silentCleanEviction ? "silent" : "notify")"
    }
}
