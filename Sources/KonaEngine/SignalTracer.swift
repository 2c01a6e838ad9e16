import Dispatch

/// Collects signal changes from components and hands them to a sink in time order.
///
/// Components declare their signals when built (`declare` returns nil for signals the
/// selection leaves out, so an untraced signal costs one nil check) and record changes
/// whenever they know them, possibly for times ahead of the simulator (a fill that will
/// arrive later). Changes wait as 24-byte records until `flush(before:)` says no earlier
/// change can come (the run loop flushes every chunk of simulated time).
///
/// Sorting and writing run on a writer thread (`TraceEmitter`), so a traced run costs the
/// simulation little more than appending records: batches of about `batchSize` records are
/// handed over at flushes, at most `maxQueuedBatches` waiting (memory stays flat). The output
/// does not depend on the batching: every change is emitted in (time, recording) order. A
/// change to the value a signal already has is dropped, and changes outside the window are
/// not emitted (the value at the window's start is). The sink sees every change once
/// `finish(at:)` returns.
public final class SignalTracer {
    /// Records per batch handed to the writer thread.
    static let batchSize = 1 << 16
    /// Batches handed over and not yet written.
    static let maxQueuedBatches = 3

    private let selects: (String) -> Bool
    private var declared: [(path: String, kind: SignalKind)] = []
    private var initial: [UInt64] = []
    /// Changes not yet handed to the writer thread, in recording order.
    private var pending: ContiguousArray<PendingChange> = []
    /// The last flush's limit: no change may be recorded before it.
    private var flushed: Tick = 0
    /// Whether `finish` has run (nothing more may be recorded).
    private var finished = false
    /// Texts of `strings` already handed to the writer thread.
    private var textsSent = 0
    private var emitter: TraceEmitter?
    private let window: ClosedRange<Tick>?
    private let sink: any TraceSink
    private let writerQueue = DispatchQueue(label: "konasim.trace-writer")
    private let queueSlots = DispatchSemaphore(value: SignalTracer.maxQueuedBatches)
    /// Texts of string signals.
    public let strings = SignalStrings()

    /// A tracer keeping the signals whose path `selects` accepts, within `window` if given.
    public init(sink: any TraceSink, selects: @escaping (String) -> Bool = { _ in true }, window: ClosedRange<Tick>? = nil) {
        self.sink = sink
        self.selects = selects
        self.window = window
        pending.reserveCapacity(Self.batchSize)
    }

    /// Declares a signal; nil when the selection leaves it out.
    /// - Precondition: called before the first batch goes to the writer thread.
    public func declare(_ path: String, _ kind: SignalKind, initial value: SignalValue) -> SignalID? {
        precondition(emitter == nil, "signal \(path) declared after tracing started")
        guard selects(path) else { return nil }
        declared.append((path, kind))
        initial.append(raw(value))
        return SignalID(raw: Int32(declared.count - 1))
    }

    /// The declared (selected) signals, in declaration order.
    public var signals: [(path: String, kind: SignalKind)] { declared }

    /// Paths of the declared (selected) signals.
    public var signalPaths: [String] { declared.map(\.path) }

    private func raw(_ value: SignalValue) -> UInt64 {
        switch value {
        case .bits(let b): b
        case .real(let r): r.bitPattern
        case .string(let s): strings.intern(s)
        }
    }

    /// Records that signal `id` takes `value` at `time`.
    @inline(__always)
    public func record(_ id: SignalID, at time: Tick, _ value: SignalValue) {
        push(PendingChange(time: time, raw: raw(value), id: id.raw, isDelta: false))
    }

    /// Records that string signal `id` takes the text `strings.intern` returned `index` for
    /// (components that repeat a few texts intern them once).
    @inline(__always)
    public func record(_ id: SignalID, at time: Tick, interned index: UInt64) {
        push(PendingChange(time: time, raw: index, id: id.raw, isDelta: false))
    }

    /// Records that counter signal `id` changes by `amount` at `time`; the value is resolved
    /// in time order, so a component can announce a future decrement (a fill that will arrive).
    @inline(__always)
    public func adjust(_ id: SignalID, at time: Tick, by amount: Int64) {
        push(PendingChange(time: time, raw: UInt64(bitPattern: amount), id: id.raw, isDelta: true))
    }

    @inline(__always)
    private func push(_ item: PendingChange) {
        precondition(item.time >= flushed && !finished, "signal change recorded at \(item.time) ps, before the last flush (\(flushed) ps) or after the end")
        pending.append(item)
    }

    /// Says that no change earlier than `time` can still be recorded; once a batch has
    /// gathered, hands it to the writer thread, which emits the changes before `time`.
    public func flush(before time: Tick) {
        flushed = max(flushed, time)
        if pending.count >= Self.batchSize && !finished { handOver(limit: flushed, last: false) }
    }

    /// Hands the pending records to the writer thread, to emit those before `limit` (all of
    /// them when it is the `last` batch).
    private func handOver(limit: Tick, last: Bool) {
        let emitter = self.emitter ?? TraceEmitter(sink: sink, signals: declared, initial: initial, window: window)
        self.emitter = emitter
        var records = ContiguousArray<PendingChange>()
        records.reserveCapacity(Self.batchSize)
        swap(&records, &pending)
        let texts = Array(strings.texts[textsSent...])
        textsSent = strings.texts.count
        let batch = TraceEmitter.Batch(records: records, limit: limit, isLast: last, texts: texts)
        queueSlots.wait()
        let slots = queueSlots
        writerQueue.async {
            emitter.emit(batch)
            slots.signal()
        }
    }

    /// A tracer dropped without `finish` (a run abandoned by an error) still completes its
    /// waveform, up to the last flush.
    deinit {
        if !finished { finish(at: flushed) }
    }

    /// Emits everything left, closes the sink at `time` and waits until the writer thread is done.
    /// Later calls do nothing.
    public func finish(at time: Tick) {
        guard !finished else { return }
        finished = true
        handOver(limit: .max, last: true)
        let emitter = emitter!
        writerQueue.sync { emitter.finish(at: time) }
    }
}
