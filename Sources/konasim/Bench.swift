import ArgumentParser
import KonaConfig
import KonaEngine
import KonaOutputs
import KonaSystem
import KonaWorkloads

extension KonaSimCommand {
    /// `konasim bench`: host-speed measurements, printed as `key=value` lines that
    /// `scripts/bench` compares with the reference programs in the same run.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench",
            abstract: "Measure host speed (use a release build; scripts/bench runs them all).",
            subcommands: [Hold.self, Timed.self, Coherent.self, Kona.self, Lackey.self, TraceRead.self, DRAM.self, Functional.self])
    }
}

extension KonaSimCommand.Bench {
    /// The hold model of shared/anchors/hold.cpp on the engine's event queue.
    struct Hold: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hold",
            abstract: "Hold model: 1,000 pending events, N pop+push cycles (as the C++ anchor).")

        @Option(help: "Pop+push cycles.") var events: UInt64 = 20_000_000

        func run() {
            var rng = XorShift64()
            let queue = EventQueue(capacity: 1024)
            let target = ComponentID(raw: 0)
            for i in 0..<1000 { queue.push(time: 1 + rng.next() % 1000, target: target, kind: 0, payload: UInt64(i)) }
            let start = ContinuousClock.now
            var check: UInt64 = 0
            for _ in 0..<events {
                let e = queue.pop()!
                check &+= e.payload
                queue.push(time: e.time + 1 + rng.next() % 1000, target: target, kind: 0, payload: e.payload)
            }
            let seconds = (ContinuousClock.now - start).seconds
            print("swift events=\(events) sec=\(Summary3.fixed(seconds)) events_per_sec=\(Int(Double(events) / seconds)) final_time=\(queue.nextTime) check=\(check)")
        }
    }

    /// A timed single-core run over the anchor's traces.
    struct Timed: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "timed",
            abstract: "Timed single core on the pycachesim anchor's trace (random: splitmix64 seed 42, 30% stores, 64 MiB; seq: 8-byte loads).")

        enum Pattern: String, ExpressibleByArgument, CaseIterable { case random, seq }

        @Argument(help: "random or seq.") var pattern: Pattern
        @Option(help: "Accesses.") var accesses: UInt64 = 2_000_000

        func run() throws {
            // The single-core slice with the schema's defaults (32 KiB L1D, 256 KiB L2, DRAM), as the anchor.
            let config = try SimulationConfig(KonaSchema.loader.load(path: nil, overrides: [
                "system.model=private", "system.cores_per_socket=1", "stats.dirty_interval=0"]))
            // As the anchor does, build the trace first and time only the simulation.
            let source = PrebuiltTrace(AnchorTrace(random: pattern == .random, count: accesses))
            let simulation = Simulation(config: config, sources: [source])
            let report = try simulation.run()
            let rate = Double(report.accesses) / report.hostSeconds
            print("swift-timed pattern=\(pattern) accesses=\(report.accesses) sec=\(Summary3.fixed(report.hostSeconds)) accesses_per_sec=\(Int(rate)) events=\(report.events) l1_misses=\(simulation.l1d.misses)")
        }
    }

    /// The embedded default as one 4-core socket running `accesses` uniform-random 8-byte
    /// accesses per core (30% stores) over 64 MiB, with `overrides` on top.
    static func uniformLoad(accesses: UInt64, _ overrides: [String]) throws -> SimulationConfig {
        try SimulationConfig(KonaSchema.loader.load(text: EmbeddedDefault.yaml, name: EmbeddedDefault.name, overrides: [
            "system.model=coherent", "system.sockets=1", "system.cores_per_socket=4", "workload.kind=uniform",
            "workload.footprint=64MiB", "workload.store_fraction=0.3", "workload.access_size=8B",
            "workload.accesses=\(accesses)"] + overrides))
    }

    /// The timed coherent system under a uniform-random load.
    struct Coherent: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "coherent",
            abstract: "Timed coherent 4-core socket (LLC, interconnect, home, DRAM; no FPGA, no trackers): uniform-random 8-byte accesses, 30% stores, 64 MiB.")

        @Option(help: "Accesses per core.") var accesses: UInt64 = 250_000
        @Flag(help: "Check data values (run.check).") var check = false

        func run() throws {
            let config = try KonaSimCommand.Bench.uniformLoad(accesses: accesses, [
                "memory.remote_fraction=0", "stats.dirty_interval=0", "run.check=\(check)", "trace.vcd="])
            let simulation = try Simulation(config: config)
            let report = try simulation.run()
            let rate = Double(report.accesses) / report.hostSeconds
            print("swift-coherent check=\(check) accesses=\(report.accesses) sec=\(Summary3.fixed(report.hostSeconds)) accesses_per_sec=\(Int(rate)) events=\(report.events) events_per_sec=\(Int(Double(report.events) / report.hostSeconds))")
        }
    }

    /// The full Kona system under a uniform-random load four times FMem.
    struct Kona: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kona",
            abstract: "The Kona system (4 cores, FPGA homing all memory, 16 MiB FMem): uniform-random 8-byte accesses, 30% stores, over 64 MiB.")

        @Option(help: "Accesses per core.") var accesses: UInt64 = 250_000
        @Option(help: ArgumentHelp("Also trace every signal to FILE (the waveform benchmark).", valueName: "file")) var vcd: String?

        func run() throws {
            let config = try KonaSimCommand.Bench.uniformLoad(accesses: accesses, [
                "memory.remote_fraction=1", "fpga.fmem.size=16MiB", "trace.vcd=\(vcd ?? "")"])
            let simulation = try Simulation(config: config)
            var writer: VCDWriter?
            if let path = config.traceVCD {
                writer = try VCDWriter(path: path, timescale: "1ps", unit: 1, version: "KonaSim bench")
                simulation.trace(into: writer!)
            }
            let report = try simulation.run()
            let rate = Double(report.accesses) / report.hostSeconds
            let vcdBytes = writer.map { " vcd_bytes=\($0.bytesWritten) vcd_bytes_per_us=\(Int(Double($0.bytesWritten) / (Double(report.simulatedTime) / 1e6)))" } ?? ""
            print("swift-kona accesses=\(report.accesses) sec=\(Summary3.fixed(report.hostSeconds)) accesses_per_sec=\(Int(rate)) events=\(report.events) simulated_us=\(report.simulatedTime / 1_000_000)" + vcdBytes)
        }
    }

    /// Lackey parsing speed.
    struct Lackey: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "lackey", abstract: "Parse a Lackey trace (plain or gzip) and report MB/s of trace text.")

        @Argument(help: "Trace file.") var file: String

        func run() throws {
            let start = ContinuousClock.now
            let reader = try LackeyTraceReader(path: file)
            var access = MemoryAccess.none
            var n: UInt64 = 0
            var sum: UInt64 = 0
            while try reader.next(into: &access) { n += 1; sum &+= access.address }
            let seconds = (ContinuousClock.now - start).seconds
            let bytes = reader.bytesRead
            let compressed = reader.isCompressed ? " gzip_bytes=\(reader.fileBytesRead)" : ""
            print("lackey bytes=\(bytes) sec=\(Summary3.fixed(seconds)) mb_per_sec=\(Summary3.fixed(Double(bytes) / 1e6 / seconds)) accesses=\(n) instructions=\(reader.instructions) check=\(sum)" + compressed)
        }
    }
}

extension KonaSimCommand.Bench {
    /// Reading a binary trace against parsing the same trace as Lackey text.
    struct TraceRead: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trace",
            abstract: "Read a Lackey trace and its binary conversion as the cores do (batches of 256 accesses); report the best of N rounds of each and the speed and size ratios.")

        @Argument(help: "Lackey trace (text, or gzip).") var lackey: String
        @Argument(help: "The same trace in the binary format (konasim trace convert).") var binary: String
        @Option(help: "Rounds, alternating the two readers; the best of each is reported.") var rounds = 5

        func run() throws {
            /// Seconds to read every access of `source`, the count and a checksum of addresses.
            func read(_ open: () throws -> any AccessSource) throws -> (seconds: Double, accesses: UInt64, check: UInt64) {
                let batch = UnsafeMutableBufferPointer<MemoryAccess>.allocate(capacity: 256)
                defer { batch.deallocate() }
                let start = ContinuousClock.now
                let source = try open()
                var n: UInt64 = 0, check: UInt64 = 0
                while true {
                    let got = try source.fill(batch)
                    if got == 0 { break }
                    for i in 0..<got { check &+= batch[i].address &* 31 &+ UInt64(batch[i].size) }
                    n &+= UInt64(got)
                }
                return ((ContinuousClock.now - start).seconds, n, check)
            }
            var text = (seconds: Double.infinity, accesses: UInt64(0), check: UInt64(0)), bin = text
            for _ in 0..<max(rounds, 1) {
                let t = try read { try LackeyTraceReader(path: lackey) }
                let b = try read { try BinaryTraceReader(path: binary) }
                if t.seconds < text.seconds { text = t }
                if b.seconds < bin.seconds { bin = b }
            }
            guard text.accesses == bin.accesses && text.check == bin.check else {
                throw InputError(message: "\(binary) holds other accesses than \(lackey) (\(bin.accesses) against \(text.accesses))")
            }
            let textBytes = fileSize(lackey), binaryBytes = fileSize(binary)
            print("trace accesses=\(text.accesses) lackey_bytes=\(textBytes) binary_bytes=\(binaryBytes) size_ratio=\(Summary3.fixed(Double(textBytes) / Double(binaryBytes)))"
                  + " lackey_sec=\(Summary3.fixed(text.seconds)) binary_sec=\(Summary3.fixed(bin.seconds)) speed_ratio=\(Summary3.fixed(text.seconds / bin.seconds))"
                  + " lackey_accesses_per_sec=\(Int(Double(text.accesses) / text.seconds)) binary_accesses_per_sec=\(Int(Double(bin.accesses) / bin.seconds)) check=\(text.check)")
        }
    }
}
