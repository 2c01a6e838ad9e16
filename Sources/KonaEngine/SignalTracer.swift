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
public protocol TraceSink: AnyObject {
    /// Called once, before any change, with every declared signal in declaration order.
    func begin(signals: [(path: String, kind: SignalKind, initial: SignalValue)])
    /// One change, in nondecreasing time order; `id.raw` indexes the declared signals.
    func change(_ id: SignalID, at time: Tick, to value: SignalValue)
    /// No more changes; `time` is the end of the run.
    func end(at time: Tick)
}

/// Collects signal changes from components and hands them to a sink in time order.
///
/// Components declare their signals when built (`declare` returns nil for signals the
/// selection leaves out, so an untraced signal costs one nil check) and record changes
/// whenever they know them, possibly for times ahead of the simulator (a fill that will
/// arrive later). Changes wait in a time-ordered heap until `flush(before:)` says no
/// earlier change can come, so the output is in time order whatever the recording order.
/// Values equal to the signal's last emitted value are dropped, and changes outside the
/// window are not emitted (the value at the window's start is).
public final class SignalTracer {
    private struct Pending {
        var time: Tick
        var sequence: UInt64
        var id: Int32
        var value: SignalValue
        /// Whether `value` (`.bits` as a signed amount) is added to the signal's value.
        var isDelta: Bool
    }

    private let selects: (String) -> Bool
    private let window: ClosedRange<Tick>?
    private var declared: [(path: String, kind: SignalKind, initial: SignalValue)] = []
    private var current: [SignalValue] = []
    private var heap: [Pending] = []
    private var sequence: UInt64 = 0
    private var started = false
    private var windowOpened = false  // values before the window have been emitted at its start
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
    public func declare(_ path: String, _ kind: SignalKind, initial: SignalValue) -> SignalID? {
        precondition(!started, "signal \(path) declared after tracing started")
        guard selects(path) else { return nil }
        declared.append((path, kind, initial))
        current.append(initial)
        return SignalID(raw: Int32(declared.count - 1))
    }

    /// Paths of the declared (selected) signals.
    public var signalPaths: [String] { declared.map(\.path) }

    /// Records that signal `id` takes `value` at `time`.
    public func record(_ id: SignalID, at time: Tick, _ value: SignalValue) {
        push(Pending(time: time, sequence: sequence, id: id.raw, value: value, isDelta: false))
    }

    /// Records that counter signal `id` changes by `amount` at `time`; the value is resolved
    /// in time order, so a component can announce a future decrement (a fill that will arrive).
    public func adjust(_ id: SignalID, at time: Tick, by amount: Int64) {
        push(Pending(time: time, sequence: sequence, id: id.raw, value: .bits(UInt64(bitPattern: amount)), isDelta: true))
    }

    private func push(_ item: Pending) {
        sequence &+= 1
        heap.append(item)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !Self.before(item, heap[parent]) { break }
            heap[i] = heap[parent]
            i = parent
        }
        heap[i] = item
    }

    private static func before(_ a: Pending, _ b: Pending) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }

    private func popFirst() -> Pending {
        let top = heap[0]
        let last = heap.removeLast()
        guard !heap.isEmpty else { return top }
        let n = heap.count
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var c = l
            if l + 1 < n && Self.before(heap[l + 1], heap[l]) { c = l + 1 }
            if !Self.before(heap[c], last) { break }
            heap[i] = heap[c]
            i = c
        }
        heap[i] = last
        return top
    }

    private func startIfNeeded() {
        guard !started else { return }
        started = true
        sink.begin(signals: declared)
    }

    /// Emits every recorded change earlier than `time` (no earlier change can still come).
    public func flush(before time: Tick) {
        startIfNeeded()
        while let first = heap.first, first.time < time {
            let change = popFirst()
            emit(change)
        }
    }

    private func emit(_ pending: Pending) {
        var change = pending
        let index = Int(change.id)
        if change.isDelta, case .bits(let amount) = change.value, case .bits(let now) = current[index] {
            change.value = .bits(now &+ amount)
        }
        if let window {
            if change.time < window.lowerBound { current[index] = change.value; return }
            openWindow()
            if change.time > window.upperBound { return }
        }
        guard current[index] != change.value else { return }
        current[index] = change.value
        sink.change(SignalID(raw: change.id), at: change.time, to: change.value)
    }

    /// At the window's start, emits the values that changed before it.
    private func openWindow() {
        guard let window, !windowOpened else { return }
        windowOpened = true
        for (i, value) in current.enumerated() where value != declared[i].initial {
            sink.change(SignalID(raw: Int32(i)), at: window.lowerBound, to: value)
        }
    }

    /// Emits everything left and closes the sink at `time`.
    public func finish(at time: Tick) {
        flush(before: .max)
        if let window, time >= window.lowerBound { openWindow() }
        sink.end(at: window.map { min(time, $0.upperBound) } ?? time)
    }
}
