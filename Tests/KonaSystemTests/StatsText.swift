import KonaEngine

/// A run's statistics as one `"name": value` line each, in the report's order: what the
/// determinism tests compare (two runs agree exactly when these texts are equal).
func statsText(_ values: [(name: String, value: StatValue)]) -> String {
    values.map { "\"\($0.name)\": \($0.value.json)" }.joined(separator: "\n")
}
