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
        if !started && window == nil {
            started = true
            sink.begin(signals: signals, initial: initial, strings: strings, at: 0)
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

    /// At the window's start, begins the sink with the values the signals have there.
    private func openWindow() {
        guard let window, !started else { return }
        started = true
        sink.begin(signals: signals, initial: current, strings: strings, at: window.lowerBound)
    }

    /// Closes the sink at `time` (after the last batch). A run that ends before the window
    /// opens gives an empty trace at the window's start.
    func finish(at time: Tick) {
        openWindow()
        sink.end(at: window.map { max(min(time, $0.upperBound), $0.lowerBound) } ?? time)
    }
}
