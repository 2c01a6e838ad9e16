/// Why a distribution's text was rejected.
struct DistributionProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
