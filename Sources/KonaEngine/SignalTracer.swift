import Dispatch

/// How a traced signal's values are shown in a waveform.
public enum SignalKind: Sendable, Equatable {
    /// An unsigned bit vector (`width` 1 is a single wire).
    case wire(width: Int)
    /// A real number.
    case real
    /// A short text: a protocol state, a message name.
    case string
}

/// A traced value.
public enum SignalValue: Sendable, Equatable {
    case bits(UInt64)
    case real(Double)
    case string(String)
}

/// Identifies a declared signal.
public struct SignalID: Hashable, Sendable {
    public let raw: Int32
}

/// Where traced changes go, in time order (the VCD writer).
///
/// Values travel as raw 64-bit words: the bits of a wire, the bit pattern of a real, or
/// the index of a string in the tracer's `strings` table.
public protocol TraceSink: AnyObject {
    /// Called once, before any change, with every declared signal in declaration order
    /// and their initial raw values.
    func begin(signals: [(path: String, kind: SignalKind)], initial: [UInt64], strings: SignalStrings)
    /// One change, in nondecreasing time order; `id.raw` indexes the declared signals.
    func change(_ id: SignalID, at time: Tick, raw: UInt64)
    /// No more changes; `time` is the end of the run.
    func end(at time: Tick)
}

/// The texts string signals have taken, by index (each distinct text stored once).
public final class SignalStrings {
    public private(set) var texts: [String] = []
    private var index: [String: UInt64] = [:]
    public init() {}
    /// The index of `text`, adding it if new.
    public func intern(_ text: String) -> UInt64 {
        if let i = index[text] { return i }
        let i = UInt64(texts.count)
        texts.append(text)
        index[text] = i
        return i
    }
}

/// A recorded change, waiting to be emitted in time order.
struct PendingChange {
    var time: Tick
    var raw: UInt64
    var id: Int32
    /// Whether `raw`, as a signed amount, is added to the signal's value.
    var isDelta: Bool
}

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

/// The writer-thread half of a `SignalTracer`: keeps each signal's value, sorts each batch's
/// due changes by time and hands those that change a value to the sink. Only the writer
/// queue touches it.
final class TraceEmitter: @unchecked Sendable {
    /// Records handed over at a flush, with the texts interned since the previous one.
    struct Batch: @unchecked Sendable {
        var records: ContiguousArray<PendingChange>
        /// Changes before this time are due.
        var limit: Tick
        /// Whether this is the tracer's last batch: every change is due.
        var isLast: Bool
        var texts: [String]
    }

    private let sink: any TraceSink
    private let signals: [(path: String, kind: SignalKind)]
    private let initial: [UInt64]
    private var current: [UInt64]
    private let window: ClosedRange<Tick>?
    private var windowOpened = false  // values before the window have been emitted at its start
    private var started = false
    /// Changes handed over but not yet due, in recording order.
    private var carried = ContiguousArray<PendingChange>()
    /// The writer's copy of the tracer's texts (the sink reads it).
    private let strings = SignalStrings()

    init(sink: any TraceSink, signals: [(path: String, kind: SignalKind)], initial: [UInt64], window: ClosedRange<Tick>?) {
        self.sink = sink
        self.signals = signals
        self.initial = initial
        self.current = initial
        self.window = window
    }

    /// Emits the batch's due changes (and the carried ones) in (time, recording) order.
    func emit(_ batch: Batch) {
        for text in batch.texts { _ = strings.intern(text) }
        if !started {
            started = true
            sink.begin(signals: signals, initial: initial, strings: strings)
        }
        var due = ContiguousArray<PendingChange>()
        due.reserveCapacity(carried.count + batch.records.count)
        var later = ContiguousArray<PendingChange>()
        let limit = batch.isLast ? Tick.max : batch.limit
        func isDue(_ item: PendingChange) -> Bool { batch.isLast || item.time < limit }
        for item in carried where isDue(item) { due.append(item) }
        for item in carried where !isDue(item) { later.append(item) }
        for item in batch.records {
            if isDue(item) { due.append(item) } else { later.append(item) }
        }
        carried = later
        for change in Self.sortedByTime(due) { emit(change) }
    }

    /// `items` (in recording order) sorted by time, recording order kept among equal times:
    /// a least-significant-digit radix sort on the bytes in which the times differ (stable,
    /// and a batch's times span only a few bytes).
    static func sortedByTime(_ items: ContiguousArray<PendingChange>) -> ContiguousArray<PendingChange> {
        guard items.count > 1 else { return items }
        var low = Tick.max, high: Tick = 0
        for item in items {
            low = min(low, item.time)
            high = max(high, item.time)
        }
        let span = high - low
        var source = items
        var target = ContiguousArray(repeating: PendingChange(time: 0, raw: 0, id: 0, isDelta: false), count: items.count)
        var shift: UInt64 = 0
        var counts = [Int](repeating: 0, count: 257)
        while shift < 64 && span >> shift != 0 {
            for d in counts.indices { counts[d] = 0 }
            source.withUnsafeBufferPointer { s in
                for item in s { counts[Int(((item.time - low) >> shift) & 0xFF) + 1] += 1 }
            }
            for d in 1...256 { counts[d] += counts[d - 1] }
            source.withUnsafeBufferPointer { s in
                target.withUnsafeMutableBufferPointer { t in
                    for item in s {
                        let d = Int(((item.time - low) >> shift) & 0xFF)
                        t[counts[d]] = item
                        counts[d] += 1
                    }
                }
            }
            swap(&source, &target)
            shift += 8
        }
        return source
    }

    private func emit(_ change: PendingChange) {
        let index = Int(change.id)
        let value = change.isDelta ? current[index] &+ change.raw : change.raw
        if let window {
            // Up to the window's start, values only accumulate; the window opens with the
            // value each signal has at its start (so a change exactly there is shown once).
            if change.time <= window.lowerBound { current[index] = value; return }
            openWindow()
            if change.time > window.upperBound { return }
        }
        guard current[index] != value else { return }
        current[index] = value
        sink.change(SignalID(raw: change.id), at: change.time, raw: value)
    }

    /// At the window's start, emits the values that changed before it.
    private func openWindow() {
        guard let window, !windowOpened else { return }
        windowOpened = true
        for i in current.indices where current[i] != initial[i] {
            sink.change(SignalID(raw: Int32(i)), at: window.lowerBound, raw: current[i])
        }
    }

    /// Closes the sink at `time` (after the last batch).
    func finish(at time: Tick) {
        if let window, time >= window.lowerBound { openWindow() }
        sink.end(at: window.map { min(time, $0.upperBound) } ?? time)
    }
}
