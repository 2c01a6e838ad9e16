#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import KonaWorkloads

@Suite struct ZipfZetaTests {
    /// sum over i in 1...n of i^-theta, smallest terms first with Neumaier's compensation,
    /// so its own rounding error is far below the tolerance checked.
    static func bruteForce(_ n: UInt64, _ theta: Double) -> Double {
        var sum = 0.0, compensation = 0.0
        for i in stride(from: n, through: 1, by: -1) {
            let term = 1.0 / pow(Double(i), theta)
            let t = sum + term
            compensation += abs(sum) >= abs(term) ? (sum - t) + term : (term - t) + sum
            sum = t
        }
        return sum + compensation
    }

    static let thetas = [0.01, 0.3, 0.5, 0.9, 0.99, 0.999]
    /// Small n (the plain sum), either side of the exact terms, and large n (the tail).
    static let sizes: [UInt64] = [1, 2, 7, ZipfSampler.exactTerms - 1, ZipfSampler.exactTerms, ZipfSampler.exactTerms + 1,
                                  1_500, 65_537, 1 << 20]

    @Test(arguments: thetas)
    func zetaIsWithinOnePartInABillionOfTheSum(theta: Double) {
        for n in Self.sizes {
            let exact = Self.bruteForce(n, theta)
            let error = abs(ZipfSampler.zeta(n, theta: theta) - exact) / exact
            #expect(error < 1e-9, "zeta(\(n), \(theta)) off by \(error) relative")
        }
    }

    @Test func theDefaultWorkloadsZetaIsWithinOnePartInABillion() {
        let n: UInt64 = 8 << 20, theta = 0.99           // 64 MiB of 8-byte items, the default skew
        let exact = Self.bruteForce(n, theta)
        #expect(abs(ZipfSampler(items: n, theta: theta).zetan - exact) / exact < 1e-9)
    }
}
