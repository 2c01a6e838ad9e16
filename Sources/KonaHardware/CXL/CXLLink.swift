import KonaEngine
import KonaProtocol

/// The CXL link between the host and a device, one direction each way (M2S toward the device,
/// S2M toward the host): messages packed into flits (`CXLFlitFormat`), flits back to back at
/// the link's bandwidth on a fixed grid of flit times, a receiver that checks a flit (or, in
/// the latency-optimized format, a half flit) before it consumes the slots in it, a latency per
/// direction plus `switchHops` switches, and credits per message class (CXL 3.x section 4.2:
/// a sender holds a credit for each message in flight of a class, returned once the receiver
/// has taken it, one latency of the other direction later).
///
/// A pure timing calculator: `send` says when a message is in; the caller schedules the
/// delivery. Messages of one direction leave in the order sent (so the S2M NDR class is
/// ordered, as the tables require, and the other classes happen to be too). Simplified: one
/// queue per direction, so a message waiting for a credit holds back the messages sent after
/// it, of any class.
///
/// - Complexity: O(1) per message, no allocation after init.
public final class CXLLink {
    /// What a link is configured with, in base units.
    public struct Parameters: Sendable {
        public var format: CXLFlitFormat
        /// Raw bandwidth per direction.
        public var bitsPerSecond: UInt64
        /// From a flit (half) being checked to the far end having it, per direction, without switches.
        public var latencyToDevice: Tick
        public var latencyToHost: Tick
        /// Switches between host and device, and the latency each adds.
        public var switchHops: Int
        public var switchLatency: Tick
        /// Credits per message class (messages of the class in flight at once).
        public var credits: Int

        public init(format: CXLFlitFormat, bitsPerSecond: UInt64, latencyToDevice: Tick, latencyToHost: Tick,
                    switchHops: Int, switchLatency: Tick, credits: Int) {
            self.format = format
            self.bitsPerSecond = bitsPerSecond
            self.latencyToDevice = latencyToDevice
            self.latencyToHost = latencyToHost
            self.switchHops = switchHops
            self.switchLatency = switchLatency
            self.credits = credits
        }
    }

    /// One direction's flit stream.
    struct Direction {
        /// The absolute index of the next free slot (slot `k` is in flit `k / slots`).
        var nextSlot: UInt64 = 0
        /// Flits that carried a slot, and the last of them (counted once), `.max` before the first.
        var flits: UInt64 = 0
        var lastFlit = UInt64.max
        var messages: UInt64 = 0
        var slotsUsed: UInt64 = 0
        /// Messages that waited for a credit.
        var creditStalls: UInt64 = 0
    }

    public let parameters: Parameters
    private var directions = [Direction(), Direction()]
    /// Per message class, the times its credits come back, oldest first (a ring of `credits`).
    private var creditReturns: [[Tick]]
    private var creditHead: [Int]
    private var creditCount: [Int]
    /// Bits on the wire per flit times a second in picoseconds (a flit's duration times the bandwidth).
    private let flitScale: UInt64

    /// A link with `parameters`; with `stats`, its statistics are `<path>.m2s.*` and `<path>.s2m.*`.
    /// - Precondition: bandwidth and credits are positive.
    public init(path: String, parameters: Parameters, stats: StatsRegistry?, simulatedTime: @escaping () -> Tick) {
        precondition(parameters.bitsPerSecond > 0 && parameters.credits > 0,
                     "a CXL link needs bandwidth (\(parameters.bitsPerSecond) b/s) and credits (\(parameters.credits))")
        self.parameters = parameters
        flitScale = parameters.format.bytes * 8 * 1_000_000_000_000
        let classes = CXLMessageClass.allCases.count
        creditReturns = Array(repeating: Array(repeating: 0, count: parameters.credits), count: classes)
        creditHead = Array(repeating: 0, count: classes)
        creditCount = Array(repeating: 0, count: classes)
        if let stats { registerStatistics(path, stats, simulatedTime) }
    }

    /// When flit `k` of a direction has been sent whole (flits run back to back from time 0).
    func flitEnd(_ k: UInt64) -> Tick { (k + 1).scaledRoundingUp(by: flitScale, dividedBy: parameters.bitsPerSecond) }

    /// When the first half of flit `k` has been sent.
    func halfFlitEnd(_ k: UInt64) -> Tick { (2 * k + 1).scaledRoundingUp(by: flitScale / 2, dividedBy: parameters.bitsPerSecond) }

    /// When flit `k` starts.
    func flitStart(_ k: UInt64) -> Tick { k == 0 ? 0 : flitEnd(k - 1) }

    /// The first flit that starts at or after `time` (a flit's slots are filled before it starts).
    func firstFlit(startingAt time: Tick) -> UInt64 {
        let k = time.scaledRoundingUp(by: parameters.bitsPerSecond, dividedBy: flitScale)
        return k > 0 && flitStart(k - 1) >= time ? k - 1 : k
    }

    /// One-way latency of `toDevice`'s direction, switches included.
    func latency(toDevice: Bool) -> Tick {
        (toDevice ? parameters.latencyToDevice : parameters.latencyToHost) + Tick(parameters.switchHops) * parameters.switchLatency
    }

    /// Sends `message` at `time`: it waits for a credit of its class if all are out, takes the
    /// next free slots of its direction from the first flit starting after that, and is in at
    /// the far end once its last slot's flit (or half flit) is checked and the latency has passed.
    /// Returns that time.
    public func send(_ message: CXLMessage, at time: Tick) -> Tick {
        let c = message.messageClass.rawValue
        let toDevice = message.messageClass.isHostToDevice
        let d = toDevice ? 0 : 1
        var start = time
        if creditCount[c] == parameters.credits {
            let back = creditReturns[c][creditHead[c]]
            if back > start {
                start = back
                directions[d].creditStalls += 1
            }
            creditHead[c] = (creditHead[c] + 1) % parameters.credits
            creditCount[c] -= 1
        }
        let format = parameters.format
        let perFlit = UInt64(format.slots)
        let n = UInt64(CXLFlitFormat.slotCount(of: message))
        let first = max(directions[d].nextSlot, firstFlit(startingAt: start) * perFlit)
        let last = first + n - 1
        directions[d].nextSlot = last + 1
        let firstFlit = first / perFlit, lastFlit = last / perFlit
        let newFlits = directions[d].lastFlit == .max || firstFlit > directions[d].lastFlit
            ? lastFlit - firstFlit + 1 : lastFlit - directions[d].lastFlit
        directions[d].flits += newFlits
        directions[d].lastFlit = lastFlit
        directions[d].messages += 1
        directions[d].slotsUsed += n
        let checked = format == .latencyOptimized256 && Int(last % perFlit) < format.slotsCheckedEarly
            ? halfFlitEnd(lastFlit) : flitEnd(lastFlit)
        let arrival = checked + latency(toDevice: toDevice)
        creditReturns[c][(creditHead[c] + creditCount[c]) % parameters.credits] = arrival + latency(toDevice: !toDevice)
        creditCount[c] += 1
        return arrival
    }

    /// Flits, messages and credit stalls so far in the direction toward the device (M2S) or the host (S2M).
    public func counts(toDevice: Bool) -> (flits: UInt64, messages: UInt64, slots: UInt64, creditStalls: UInt64) {
        let d = directions[toDevice ? 0 : 1]
        return (d.flits, d.messages, d.slotsUsed, d.creditStalls)
    }

    private func registerStatistics(_ path: String, _ stats: StatsRegistry, _ simulatedTime: @escaping () -> Tick) {
        for (name, toDevice) in [("m2s", true), ("s2m", false)] {
            let p = path + "." + name
            stats.formula(p + ".flits", "flits that carried a message, \(toDevice ? "host to device" : "device to host")", unit: "flits") { [unowned self] in
                .integer(self.counts(toDevice: toDevice).flits)
            }
            stats.formula(p + ".messages", "messages sent", unit: "messages") { [unowned self] in
                .integer(self.counts(toDevice: toDevice).messages)
            }
            stats.formula(p + ".credit_stalls", "messages that waited for a credit of their class", unit: "messages") { [unowned self] in
                .integer(self.counts(toDevice: toDevice).creditStalls)
            }
            stats.formula(p + ".slot_utilization", "slots used / slots of the flits that carried a message", unit: "ratio") { [unowned self] in
                let c = self.counts(toDevice: toDevice)
                return .real(c.flits == 0 ? 0 : Double(c.slots) / Double(c.flits * UInt64(self.parameters.format.slots)))
            }
            stats.formula(p + ".utilization", "time the direction sent flits carrying messages / simulated time", unit: "ratio") { [unowned self] in
                let t = simulatedTime()
                return .real(t == 0 ? 0 : Double(self.flitEnd(0)) * Double(self.counts(toDevice: toDevice).flits) / Double(t))
            }
        }
    }
}
