/// Named tick quantities, so that code reads `3 * Ticks.ns` rather than `3000`.
public enum Ticks {
    /// One picosecond.
    public static let ps: Tick = 1
    /// One nanosecond.
    public static let ns: Tick = 1_000
    /// One microsecond.
    public static let us: Tick = 1_000_000
    /// One millisecond.
    public static let ms: Tick = 1_000_000_000
    /// One second.
    public static let s: Tick = 1_000_000_000_000
}
