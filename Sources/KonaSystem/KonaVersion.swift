/// The KonaSim version, printed in summaries and recorded with results.
public enum KonaVersion {
    public static let string = "0.1.0"
}
