import Testing
@testable import KonaWorkloads

@Suite struct SyntheticWorkloadTests {
    func generate(_ spec: SyntheticSpec) throws -> [MemoryAccess] {
        let w = SyntheticWorkload(spec)
        var out: [MemoryAccess] = []
        var a = MemoryAccess.none
        while try w.next(into: &a) { out.append(a) }
        return out
    }

    @Test func uniformStaysInTheFootprintAlignedWithTheStoreMix() throws {
        let out = try generate(SyntheticSpec(pattern: .uniform, count: 20_000, footprint: 1 << 20, base: 1 << 30,
                                             accessSize: 8, storeFraction: 0.3, seed: 3))
        #expect(out.count == 20_000)
        #expect(out.allSatisfy { $0.address >= 1 << 30 && $0.address < (1 << 30) + (1 << 20) && $0.address % 8 == 0 })
        let stores = Double(out.filter { $0.kind == .store }.count) / 20_000
        #expect(abs(stores - 0.3) < 0.02, "store fraction \(stores)")
        #expect(try generate(SyntheticSpec(pattern: .uniform, count: 100, footprint: 4096, seed: 3))
                == generate(SyntheticSpec(pattern: .uniform, count: 100, footprint: 4096, seed: 3)))
    }

    @Test func instructionsPerAccessAreFixedOrUniformAndLeaveTheAddressesAlone() throws {
        func spec(_ instructions: ClosedRange<UInt32>) -> SyntheticSpec {
            SyntheticSpec(pattern: .uniform, count: 10_000, footprint: 1 << 20, seed: 7, instructionsPerAccess: instructions)
        }
        let bare = try generate(spec(0...0)), fixed = try generate(spec(3...3)), uniform = try generate(spec(2...8))
        #expect(bare.allSatisfy { $0.instructions == 0 } && fixed.allSatisfy { $0.instructions == 3 })
        #expect(uniform.allSatisfy { (2...8).contains($0.instructions) })
        #expect(Set(uniform.map(\.instructions)).count == 7, "every count in 2...8 drawn")
        let mean = Double(uniform.reduce(0) { $0 + Int($1.instructions) }) / 10_000
        #expect(abs(mean - 5) < 0.1, "mean \(mean)")
        #expect(fixed.map(\.address) == bare.map(\.address) && uniform.map(\.address) == bare.map(\.address))
        #expect(fixed.map(\.kind) == bare.map(\.kind) && uniform.map(\.kind) == bare.map(\.kind))
        let w = SyntheticWorkload(spec(2...8))
        _ = try drain(w)
        #expect(w.instructions == UInt64(uniform.reduce(0) { $0 + Int($1.instructions) }))
    }

    @Test func sequentialWrapsAtTheFootprint() throws {
        let out = try generate(SyntheticSpec(pattern: .sequential, count: 10, footprint: 32, accessSize: 8, storeFraction: 0))
        #expect(out.map(\.address) == [0, 8, 16, 24, 0, 8, 16, 24, 0, 8])
    }

    @Test func stridedVisitsEveryStrideThenShifts() throws {
        let out = try generate(SyntheticSpec(pattern: .strided, count: 6, footprint: 256, accessSize: 8, storeFraction: 0, stride: 64))
        #expect(out.map(\.address) == [0, 64, 128, 192, 8, 72])
    }

    @Test func zipfianFavoursLowItems() throws {
        let out = try generate(SyntheticSpec(pattern: .zipfian, count: 50_000, footprint: 8 * 10_000, accessSize: 8,
                                             storeFraction: 0, zipfTheta: 0.99, seed: 5))
        var counts = [Int](repeating: 0, count: 10_000)
        for a in out { counts[Int(a.address / 8)] += 1 }
        #expect(counts[0] > counts[1] && counts[1] > counts[10] && counts[10] > counts[5000])
        #expect(Double(counts[0]) / 50_000 > 0.05, "item 0 drew \(counts[0])")
    }

    @Test func pointerChaseIsOneCycleOfDependentLoads() throws {
        let lines = 1000
        let out = try generate(SyntheticSpec(pattern: .pointerChase, count: UInt64(lines), footprint: UInt64(lines * 64), seed: 9))
        #expect(Set(out.map(\.address)).count == lines, "a single cycle visits every line once")
        #expect(out.allSatisfy { $0.dependent && $0.kind == .load && $0.address % 64 == 0 })
    }
}
