/// Where traced changes go, in time order (the VCD writer).
///
/// Values travel as raw 64-bit words: the bits of a wire, the bit pattern of a real, or
/// the index of a string in the tracer's `strings` table.
public protocol TraceSink: AnyObject {
    /// Called once, before any change, with every declared signal in declaration order
    /// and their raw values at `start`: time 0, or a window's start (the trace covers only
    /// the window, and its first values are those the signals have there).
    func begin(signals: [(path: String, kind: SignalKind)], initial: [UInt64], strings: SignalStrings, at start: Tick)
    /// One change, in nondecreasing time order; `id.raw` indexes the declared signals.
    func change(_ id: SignalID, at time: Tick, raw: UInt64)
    /// No more changes; `time` is the end of the run.
    func end(at time: Tick)
}
