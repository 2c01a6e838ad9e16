import KonaEngine

/// The coherence state of watched lines in one controller, as string signals
/// `<path>.watch.<line address>` (`trace.watch`).
struct LineWatch {
    private var signals: [(line: UInt64, id: SignalID)] = []
    private(set) var tracer: SignalTracer?

    /// Declares a signal for each of `lines` under `path`, starting in `initial`.
    mutating func declare(_ lines: [UInt64], path: String, initial: String, with tracer: SignalTracer) {
        self.tracer = tracer
        for line in lines {
            let address = "0x" + String(line << LineGeometry.lineShift, radix: 16)
            if let id = tracer.declare(path + ".watch." + address, .string, initial: .string(initial)) {
                signals.append((line, id))
            }
        }
    }

    /// Records `line`'s new `state` at `time`, if it is watched.
    @inline(__always)
    func note(_ line: UInt64, _ state: String, at time: Tick) {
        guard !signals.isEmpty, let tracer, let entry = signals.first(where: { $0.line == line }) else { return }
        tracer.record(entry.id, at: time, .string(state))
    }
}
