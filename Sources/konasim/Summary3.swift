/// Formats `bench` figures with exactly three decimals, as the anchor scripts print them.
enum Summary3 {
    static func fixed(_ v: Double) -> String {
        let n = (v * 1000).rounded()
        let frac = Int(n) % 1000
        return "\(Int(n) / 1000).\(frac < 10 ? "00" : frac < 100 ? "0" : "")\(frac)"
    }
}
