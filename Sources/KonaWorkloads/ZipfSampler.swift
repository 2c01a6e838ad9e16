#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KonaEngine

/// Zipf sampling by Gray et al.'s method (as in YCSB): O(1) per draw after an O(1) setup
/// (`zeta`: the first `exactTerms` terms summed, the rest by Euler-Maclaurin).
struct ZipfSampler {
    /// Terms of zeta summed one by one before the tail is approximated.
    static let exactTerms: UInt64 = 1_024

    let items: UInt64
    let theta: Double
    let alpha: Double
    let zetan: Double
    let eta: Double
    /// 1 + 0.5^theta: below it (times zeta) a draw is the second item. Computed once, not per draw.
    let secondItemBound: Double

    init(items: UInt64, theta: Double) {
        self.items = items
        self.theta = theta
        let zeta = Self.zeta(max(1, items), theta: theta)
        let zeta2 = 1.0 + 1.0 / pow(2.0, theta)
        self.zetan = zeta
        self.alpha = 1.0 / (1.0 - theta)
        self.eta = (1.0 - pow(2.0 / Double(items), 1.0 - theta)) / (1.0 - zeta2 / zeta)
        self.secondItemBound = 1.0 + pow(0.5, theta)
    }

    /// zeta(n, theta) = sum over i in 1...n of i^-theta, for theta in (0, 1). Up to
    /// `exactTerms` terms it is the plain sum; beyond, the terms below K = `exactTerms` are
    /// summed and the rest, f(x) = x^-theta over K...n, is the Euler-Maclaurin formula: the
    /// integral (as K^s expm1(s ln(n/K)) / s with s = 1 - theta, exact as theta nears 1), half
    /// the end terms, and the Bernoulli corrections B2k/(2k)! (f^(2k-1)(n) - f^(2k-1)(K)) for
    /// k = 1...3. The next term bounds the error: below 1e-24 of zeta for K = 1,024, far under
    /// the double rounding of the sum (relative error about 1e-15).
    static func zeta(_ n: UInt64, theta: Double) -> Double {
        guard n > exactTerms else { return (1...n).reduce(0.0) { $0 + 1.0 / pow(Double($1), theta) } }
        var sum = 0.0
        for i in 1 ..< exactTerms { sum += 1.0 / pow(Double(i), theta) }
        let k = Double(exactTerms), x = Double(n), s = 1.0 - theta
        var tail = pow(k, s) * expm1(s * log(x / k)) / s + (pow(k, -theta) + pow(x, -theta)) / 2
        // f^(m)(x) = (-1)^m theta (theta + 1) ... (theta + m - 1) x^(-theta - m); m = 2j - 1 is odd.
        let bernoulliOverFactorial = [1.0 / 12, -1.0 / 720, 1.0 / 30_240]
        var rising = theta                      // theta (theta + 1) ... (theta + m - 1)
        for (j, coefficient) in bernoulliOverFactorial.enumerated() {
            let m = Double(2 * j + 1)
            tail += coefficient * -rising * (pow(x, -theta - m) - pow(k, -theta - m))
            rising *= (theta + m) * (theta + m + 1)
        }
        return sum + tail
    }

    func next(_ random: inout RandomStream) -> UInt64 {
        let u = random.nextUnit()
        let uz = u * zetan
        if uz < 1.0 { return 0 }
        if uz < secondItemBound { return min(1, items - 1) }
        let v = UInt64(Double(items) * pow(eta * u - eta + 1.0, alpha))
        return min(v, items - 1)
    }
}
