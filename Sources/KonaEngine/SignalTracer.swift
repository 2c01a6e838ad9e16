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

/// Collects signal changes from components and hands them to a sink in time order.
///
/// Components declare their signals when built (`declare` returns nil for signals the
/// selection leaves out, so an untraced signal costs one nil check) and record changes
/// whenever they know them, possibly for times ahead of the simulator (a fill that will
/// arrive later). Changes wait as 32-byte records until `flush(before:)` says no earlier
/// change can come (the run loop flushes every chunk of simulated time); then the due ones
/// are sorted, so the output is in (time, recording) order whatever the recording order. A change to the value a signal already has is dropped,
/// and changes outside the window are not emitted (the value at the window's start is).
public final class SignalTracer {
    private struct Pending {
        var time: Tick
        var sequence: UInt64
        var raw: UInt64
        var id: Int32
        /// Whether `raw`, as a signed amount, is added to the signal's value.
        var isDelta: Bool
    }

    private let selects: (String) -> Bool
    private let window: ClosedRange<Tick>?
    private var declared: [(path: String, kind: SignalKind)] = []
    private var initial: [UInt64] = []
    private var current: [UInt64] = []
    /// Changes not yet emitted, in recording order.
    private var pending: ContiguousArray<Pending> = []
    /// The last flush's limit: no change may be recorded before it.
    private var flushed: Tick = 0
    private var sequence: UInt64 = 0
    private var started = false
    private var windowOpened = false  // values before the window have been emitted at its start
    /// Texts of string signals.
    public let strings = SignalStrings()
    /// Where changes go.
    public let sink: any TraceSink

    /// A tracer keeping the signals whose path `selects` accepts, within `window` if given.
    public init(sink: any TraceSink, selects: @escaping (String) -> Bool = { _ in true }, window: ClosedRange<Tick>? = nil) {
        self.sink = sink
        self.selects = selects
        self.window = window
    }

    /// Declares a signal; nil when the selection leaves it out.
    /// - Precondition: called before the first flush.
    public func declare(_ path: String, _ kind: SignalKind, initial value: SignalValue) -> SignalID? {
        precondition(!started, "signal \(path) declared after tracing started")
        guard selects(path) else { return nil }
        declared.append((path, kind))
        let raw = self.raw(value)
        initial.append(raw)
        current.append(raw)
        return SignalID(raw: Int32(declared.count - 1))
    }

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
        push(Pending(time: time, sequence: sequence, raw: raw(value), id: id.raw, isDelta: false))
    }

    /// Records that string signal `id` takes the text `strings.intern` returned `index` for
    /// (components that repeat a few texts intern them once).
    @inline(__always)
    public func record(_ id: SignalID, at time: Tick, interned index: UInt64) {
        push(Pending(time: time, sequence: sequence, raw: index, id: id.raw, isDelta: false))
    }

    /// Records that counter signal `id` changes by `amount` at `time`; the value is resolved
    /// in time order, so a component can announce a future decrement (a fill that will arrive).
    @inline(__always)
    public func adjust(_ id: SignalID, at time: Tick, by amount: Int64) {
        push(Pending(time: time, sequence: sequence, raw: UInt64(bitPattern: amount), id: id.raw, isDelta: true))
    }

    @inline(__always)
    private func push(_ item: Pending) {
        precondition(item.time >= flushed, "signal change recorded at \(item.time) ps, before the last flush (\(flushed) ps)")
        sequence &+= 1
        pending.append(item)
    }

    /// `items` (in recording order) sorted by time, recording order kept among equal times:
    /// a least-significant-digit radix sort on the bytes in which the times differ (stable,
    /// and a flush's times span only a few bytes).
    private static func sortedByTime(_ items: ContiguousArray<Pending>) -> ContiguousArray<Pending> {
        guard items.count > 1 else { return items }
        var low = Tick.max, high: Tick = 0
        for item in items {
            low = min(low, item.time)
            high = max(high, item.time)
        }
        let span = high - low
        var source = items
        var target = items
        var shift: UInt64 = 0
        while shift < 64 && span >> shift != 0 {
            var counts = [Int](repeating: 0, count: 257)
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

    private func startIfNeeded() {
        guard !started else { return }
        started = true
        sink.begin(signals: declared, initial: initial, strings: strings)
    }

    /// Emits every recorded change earlier than `time` (no earlier change can still come):
    /// those are taken out, sorted by (time, recording order) and handed to the sink.
    public func flush(before time: Tick) {
        startIfNeeded()
        flushed = max(flushed, time)
        var due = ContiguousArray<Pending>()
        var later = ContiguousArray<Pending>()
        later.reserveCapacity(pending.count)
        for item in pending {
            if item.time < time { due.append(item) } else { later.append(item) }
        }
        pending = later
        for change in Self.sortedByTime(due) { emit(change) }
    }

    private func emit(_ change: Pending) {
        let index = Int(change.id)
        let value = change.isDelta ? current[index] &+ change.raw : change.raw
        if let window {
            if change.time < window.lowerBound { current[index] = value; return }
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

    /// Emits everything left and closes the sink at `time`.
    public func finish(at time: Tick) {
        flush(before: .max)
        if let window, time >= window.lowerBound { openWindow() }
        sink.end(at: window.map { min(time, $0.upperBound) } ?? time)
    }
}
