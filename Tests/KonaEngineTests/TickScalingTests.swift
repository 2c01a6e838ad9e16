import Testing
@testable import KonaEngine

@Suite struct TickScalingTests {
    /// Scaling agrees with a reference computed through 128-bit division, for products that
    /// fit in 64 bits (the fast path) and for those that do not, rounded up and down.
    @Test func agreesWithWideDivision() {
        var random = RandomStream(rawSeed: 11)
        for k in 0..<20_000 {
            let wide = k % 2 == 1
            let value = wide ? random.next() >> 8 : random.next(below: 1 << 32)
            let numerator = wide ? random.next(below: 1 << 40) | 1 << 30 : random.next(below: 1 << 31) + 1
            let denominator = random.next(below: 1 << 40) + (wide ? 1 << 39 : 1)
            let product = value.multipliedFullWidth(by: numerator)
            guard product.high < denominator else { continue }     // the result must fit in 64 bits
            #expect((product.high != 0) == wide || !wide)
            let (q, r) = denominator.dividingFullWidth((product.high, product.low))
            #expect(value.scaledRoundingDown(by: numerator, dividedBy: denominator) == q)
            #expect(value.scaledRoundingUp(by: numerator, dividedBy: denominator) == (r == 0 ? q : q + 1))
        }
        #expect(Tick(1000).scaledRoundingUp(by: 3, dividedBy: 7) == 429 && Tick(1000).scaledRoundingDown(by: 3, dividedBy: 7) == 428)
        #expect(Tick(7).scaledRoundingUp(by: 3, dividedBy: 7) == 3 && Tick(7).scaledRoundingDown(by: 3, dividedBy: 7) == 3)
    }
}
