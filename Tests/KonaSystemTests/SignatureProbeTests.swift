import Testing
import KonaProtocol
@testable import KonaSystem

@Suite struct SignatureProbeTests {
    @Test func probe() {
        var seed: UInt64 = 12345
        func rnd(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int((seed >> 33) % UInt64(n)) }
        let perms = [[0,1,2],[0,2,1],[1,0,2],[1,2,0],[2,0,1],[2,1,0]]
        var bad = 0
        for _ in 0..<2000 {
            var s = ExplorerState(agents: 3, lines: 1)
            for i in s.core.indices { s.core[i] = UInt8(rnd(5)) }
            for i in s.llc.indices { s.llc[i] = UInt8(rnd(3)) }
            s.home[0] = UInt8(rnd(4)); s.home[1] = UInt8(rnd(8)); s.home[2] = UInt8(rnd(4)); s.home[3] = UInt8(rnd(4))
            s.home[5] = UInt8(rnd(5)); s.home[6] = UInt8(rnd(5))
            for slot in 0..<7 where rnd(3) == 0 {
                let a = slot / 2
                let (src, dst): (UInt8, UInt8) = slot == 6 ? (UInt8(8 + rnd(3)), 16) : slot % 2 == 0 ? (UInt8(8 + a), UInt8(a)) : (UInt8(a), UInt8(8 + a))
                s.park(ExplorerState.Message(kind: 0, source: src, destination: dst, line: 0, channel: UInt8(MessageKind(rawValue: 0)!.channel.rawValue), value: UInt8(rnd(5))), in: slot)
            }
            var chans: [(UInt8, UInt8, UInt8)] = []
            for a in 0..<3 {
                for (src, dst) in [(UInt8(a), UInt8(8 + a)), (UInt8(8 + a), UInt8(a)), (UInt8(8 + a), 16), (16, UInt8(8 + a))] where rnd(3) == 0 {
                    chans.append((src, dst, UInt8(rnd(4))))
                }
            }
            chans.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
            for (src, dst, c) in chans {
                s.openChannel()
                for _ in 0..<(1 + rnd(2)) {
                    let kinds = MessageKind.allCases.filter { $0.channel.rawValue == Int(c) }
                    let k = kinds[rnd(kinds.count)]
                    s.send(ExplorerState.Message(kind: UInt8(k.rawValue), source: src, destination: dst, line: 0, channel: c, value: UInt8(rnd(5))))
                }
            }
            var bytes: [UInt8] = []
            s.encode([0,1,2], [0,1,2], into: &bytes)
            let s0 = ExplorerState(decoding: bytes, agents: 3, lines: 1)
            for p in perms {
                var inv = p; for a in 0..<3 { inv[p[a]] = a }
                var b2: [UInt8] = []
                s0.encode(p, inv, into: &b2)
                let s2 = ExplorerState(decoding: b2, agents: 3, lines: 1)
                for a in 0..<3 {
                    var x: [UInt8] = [], y: [UInt8] = []
                    s0.signature(of: a, into: &x); s2.signature(of: p[a], into: &y)
                    if x != y { bad += 1; if bad < 4 { print("p \(p) a \(a)\n \(x)\n \(y)") } }
                }
            }
        }
        #expect(bad == 0)
    }
}
