import KonaEngine

// MARK: Statistics, energy and waveforms

extension BankedDRAM {
    /// Energy by command and background, in nJ, over a run of `time` ps, by DRAMPower's
    /// method: an ACT-PRE pair costs `VDD * (IDD0 * tRC - (IDD3N * tRAS + IDD2N * (tRC - tRAS)))`,
    /// a burst `VDD * (IDD4R|W - IDD3N) * tBurst`, a refresh `VDD * (IDD5B - IDD3N) * tRFC`;
    /// background is `IDD3N` while a rank has a row open and `IDD2N` otherwise. Each is per
    /// device, times the devices of a rank. O(banks).
    public func energy(over time: Tick) -> DRAMEnergy {
        let p = parameters
        let scale = p.vdd * Double(p.devicesPerRank) / 1e6           // mA * V * ps = fJ; to nJ
        let ck = Double(tCK)
        let tRCd = Double(tRC) * ck, tRASd = Double(tRAS) * ck, burst = Double(tBurst) * ck
        let perACT = (p.idd0 * tRCd - (p.idd3n * tRASd + p.idd2n * (tRCd - tRASd))) * scale
        let perRead = (p.idd4r - p.idd3n) * burst * scale
        let perWrite = (p.idd4w - p.idd3n) * burst * scale
        let perRefresh = (p.idd5b - p.idd3n) * Double(tRFC) * ck * scale
        let end = time / tCK
        var refreshCount: UInt64 = 0
        var background = 0.0
        for r in 0 ..< p.channels * p.ranks {
            refreshCount &+= refreshes(rank: r, by: end)
            var active = activeTime[r]
            for b in r * p.banksPerRank ..< (r + 1) * p.banksPerRank where openRow[b] != Self.closed && end > openedAt[b] {
                active &+= end &- openedAt[b]
            }
            let a = Double(min(active, end)) * ck
            background += (p.idd3n * a + p.idd2n * (Double(end) * ck - a)) * scale
        }
        return DRAMEnergy(activate: Double(activates) * perACT, read: Double(reads) * perRead,
                          write: Double(writesIssued) * perWrite, refresh: Double(refreshCount) * perRefresh,
                          background: background)
    }

    /// Registers the model's statistics under `prefix` (`fpga.fmem.dram`): row outcomes,
    /// activates, refreshes, queue occupancy, bandwidth, read latency, bank utilization and
    /// energy, per memory, per channel and per bank. Reading them costs O(banks); recording
    /// costs nothing beyond the read latency's histogram.
    public func register(_ prefix: String, stats: StatsRegistry, simulatedTime: @escaping () -> Tick) {
        let p = parameters
        latency = stats.distribution(prefix + ".read_latency", "time from a read's arrival to its last beat", unit: "ns", scale: 1000)
        func int(_ name: String, _ doc: String, _ unit: String, _ v: @escaping (BankedDRAM) -> UInt64) {
            stats.formula(prefix + "." + name, doc, unit: unit) { [unowned self] in .integer(v(self)) }
        }
        func real(_ name: String, _ doc: String, _ unit: String, _ v: @escaping (BankedDRAM, Double) -> Double) {
            stats.formula(prefix + "." + name, doc, unit: unit) { [unowned self] in
                let t = Double(simulatedTime())
                return .real(t == 0 ? 0 : v(self, t))
            }
        }
        int("row_hits", "reads and writes that found their row open", "requests") { $0.rowHits }
        int("row_misses", "reads and writes that found their bank precharged", "requests") { $0.rowMisses }
        int("row_conflicts", "reads and writes that found another row open (PRE, ACT)", "requests") { $0.rowConflicts }
        real("row_hit_rate", "row hits over reads and writes issued", "ratio") { m, _ in
            let n = m.rowHits + m.rowMisses + m.rowConflicts
            return n == 0 ? 0 : Double(m.rowHits) / Double(n)
        }
        int("activates", "ACT commands", "commands") { $0.activates }
        int("refreshes", "REF commands, all ranks", "commands") { m in
            let t = simulatedTime() / m.tCK
            return (0 ..< p.channels * p.ranks).reduce(0) { $0 &+ m.refreshes(rank: $1, by: t) }
        }
        int("write_drains", "times a write queue reached its high watermark", "drains") { $0.drains }
        int("writes_issued", "writes issued from the write queues", "lines") { $0.writesIssued }
        real("read_queue_occupancy", "mean reads waiting or in service (Little's law)", "requests") { m, t in Double(m.readTime) / t }
        real("write_queue_occupancy", "mean writes waiting in the write queues until their data is written", "requests") { m, t in
            Double(m.writeWait) / t
        }
        real("bandwidth", "bytes read and written per second", "bytes/s") { m, t in Double((m.reads + m.writesIssued) * 64) * 1e12 / t }
        real("bus_utilization", "fraction of time the data buses carried bursts", "ratio") { m, t in
            Double(m.channelBusy.reduce(0, &+) &* m.tCK) / (t * Double(p.channels))
        }
        real("bank_utilization", "mean fraction of time a bank served a request (first command to last beat)", "ratio") { m, t in
            Double(m.bankBusy.reduce(0, &+) &* m.tCK) / (t * Double(m.bankBusy.count))
        }
        let energyParts: [(String, String, KeyPath<DRAMEnergy, Double>)] = [
            ("activate", "ACT and PRE commands", \.activate), ("read", "read bursts", \.read),
            ("write", "write bursts", \.write), ("refresh", "refreshes", \.refresh),
            ("background", "standby (active or precharged)", \.background), ("total", "commands and background", \.total),
        ]
        for (name, doc, part) in energyParts {
            stats.formula(prefix + ".energy." + name, "energy of \(doc) (IDD currents, DRAMPower's method)", unit: "nJ") { [unowned self] in
                .real(self.energy(over: simulatedTime())[keyPath: part])
            }
        }
        for c in 0 ..< p.channels {
            let ch = "ch\(c)."
            int(ch + "row_hits", "row hits on channel \(c)", "requests") { $0.channelHits[c] }
            int(ch + "row_misses", "row misses on channel \(c)", "requests") { $0.channelMisses[c] }
            int(ch + "row_conflicts", "row conflicts on channel \(c)", "requests") { $0.channelConflicts[c] }
            int(ch + "reads", "reads on channel \(c)", "lines") { $0.channelReads[c] }
            int(ch + "writes", "writes queued on channel \(c)", "lines") { $0.channelWrites[c] }
            real(ch + "bus_utilization", "fraction of time channel \(c)'s data bus carried bursts", "ratio") { m, t in
                Double(m.channelBusy[c] &* m.tCK) / t
            }
            for r in 0 ..< p.ranks {
                for k in 0 ..< p.banksPerRank {
                    let b = (c * p.ranks + r) * p.banksPerRank + k
                    let name = ch + "rank\(r).bank\(k)."
                    int(name + "activates", "ACTs to this bank", "commands") { $0.bankActivates[b] }
                    int(name + "row_hits", "row hits in this bank", "requests") { $0.bankHits[b] }
                    real(name + "utilization", "fraction of time this bank served a request", "ratio") { m, t in Double(m.bankBusy[b] &* m.tCK) / t }
                }
            }
        }
    }

    /// Declares waveform signals under `prefix`: `reads_in_flight`, each channel's
    /// `ch<c>.write_queue` depth and each bank's `ch<c>.rank<r>.bank<k>.row_open`.
    public func trace(with tracer: SignalTracer, prefix: String) {
        let p = parameters
        self.tracer = tracer
        readsSignal = tracer.declare(prefix + ".reads_in_flight", .wire(width: 16), initial: .bits(0))
        queueSignals = (0 ..< p.channels).map {
            tracer.declare(prefix + ".ch\($0).write_queue", .wire(width: 8), initial: .bits(0))
        }
        rowSignals = (0 ..< p.channels * p.ranks * p.banksPerRank).map { b in
            let rank = b / p.banksPerRank
            return tracer.declare(prefix + ".ch\(rank / p.ranks).rank\(rank % p.ranks).bank\(b % p.banksPerRank).row_open",
                                  .wire(width: 1), initial: .bits(0))
        }
    }
}
