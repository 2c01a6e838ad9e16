import KonaEngine
import KonaOutputs
import KonaSystem
import KonaVerification

/// A counterexample of `konasim verify` as a VCD waveform: one string signal per controller
/// and line with its state after each step (steps 1 ns apart), and `verify.step` with the
/// step's event.
enum VerifyTrace {
    static func write(_ violation: ProtocolExplorer.Violation, agents: Int, addresses: Int, to path: String) throws {
        let writer = try VCDWriter(path: path, timescale: "1ns", unit: 1000, version: "KonaSim \(KonaVersion.string) verify")
        let tracer = SignalTracer(sink: writer)
        var ids: [String: SignalID] = [:]
        let components = (0..<agents).flatMap { ["core\($0)", "llc\($0)"] } + ["home"]
        for c in components {
            for l in 0..<addresses {
                ids["\(c) line \(l)"] = tracer.declare("verify.\(c).line\(l)", .string, initial: .string("I"))
            }
        }
        let step = tracer.declare("verify.step", .string, initial: .string(""))
        for (k, s) in violation.trace.enumerated() {
            let time = Tick(k + 1) * 1000
            if let step { tracer.record(step, at: time, .string(s.event)) }
            for t in s.transitions {
                // "core0 line 1: I --Load--> IS_D"
                guard let colon = t.firstIndex(of: ":"), let arrow = t.range(of: "--> ") else { continue }
                if let id = ids[String(t[..<colon])] { tracer.record(id, at: time, .string(String(t[arrow.upperBound...]))) }
            }
        }
        tracer.finish(at: Tick(violation.trace.count + 1) * 1000)
    }
}
