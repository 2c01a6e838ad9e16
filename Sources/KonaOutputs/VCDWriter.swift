#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KonaEngine

/// Writes a Value Change Dump (IEEE 1364-2005 section 18) that GTKWave and Surfer open.
///
/// The header declares one `$scope module` per component path level and one `$var` per
/// signal (wires and vectors as `wire`, reals as `real`, texts as GTKWave's `string`
/// extension); `$dumpvars` gives initial values; then `#time` and the changes, in time
/// order. Identifier codes are base-94 printable ASCII (one character for the first 94
/// signals). Output goes through a 64 KiB buffer, so memory stays flat in run length.
/// The `$date` is fixed text: the same run gives the same bytes.
public final class VCDWriter: TraceSink {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8] = []
    private var kinds: [SignalKind] = []
    private var codes: [String] = []
    private var lastTime: Tick?
    private let timescale: String
    private let unit: Tick
    private let version: String
    /// Bytes written so far.
    public private(set) var bytesWritten = 0

    /// Opens `path` for writing.
    /// - Throws: `VCDError` when the file cannot be created.
    /// Times are written in units of `unit` picoseconds (rounded down), shown as `timescale`.
    public init(path: String, timescale: String = "1ps", unit: Tick = 1, version: String) throws {
        guard let f = fopen(path, "w") else { throw VCDError(message: "cannot write \(path): \(String(cString: strerror(errno)))") }
        file = f
        self.timescale = timescale
        self.unit = max(1, unit)
        self.version = version
        buffer.reserveCapacity(1 << 16)
    }

    deinit { fclose(file) }

    /// The identifier code of signal number `index`.
    public static func code(_ index: Int) -> String {
        var n = index
        var out = ""
        repeat {
            out.unicodeScalars.append(Unicode.Scalar(UInt8(33 + n % 94)))
            n = n / 94 - 1
        } while n >= 0
        return out
    }

    private func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { drain() }
    }

    private func drain() {
        buffer.withUnsafeBufferPointer { _ = fwrite($0.baseAddress, 1, $0.count, file) }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    public func begin(signals: [(path: String, kind: SignalKind, initial: SignalValue)]) {
        kinds = signals.map(\.kind)
        codes = signals.indices.map(Self.code)
        write("$date\n  KonaSim simulated run\n$end\n$version\n  \(version)\n$end\n$timescale \(timescale) $end\n")
        // Scopes: group signals by their dotted path, in path order.
        let order = signals.indices.sorted { signals[$0].path < signals[$1].path }
        var open: [Substring] = []
        for i in order {
            let parts = signals[i].path.split(separator: ".")
            let scopes = Array(parts.dropLast())
            var common = 0
            while common < min(open.count, scopes.count), open[common] == scopes[common] { common += 1 }
            for _ in common..<open.count { write("$upscope $end\n") }
            open = Array(open.prefix(common))
            for s in scopes[common...] {
                write("$scope module \(s) $end\n")
                open.append(s)
            }
            let name = parts.last.map(String.init) ?? signals[i].path
            switch signals[i].kind {
            case .wire(let width):
                write("$var wire \(width) \(codes[i]) \(name)\(width > 1 ? " [\(width - 1):0]" : "") $end\n")
            case .real:
                write("$var real 64 \(codes[i]) \(name) $end\n")
            case .string:
                write("$var string 1 \(codes[i]) \(name) $end\n")
            }
        }
        for _ in open { write("$upscope $end\n") }
        write("$enddefinitions $end\n#0\n$dumpvars\n")
        for (i, signal) in signals.enumerated() { write(value(signal.initial, i) + "\n") }
        write("$end\n")
        lastTime = 0
    }

    private func value(_ v: SignalValue, _ i: Int) -> String {
        switch (v, kinds[i]) {
        case (.bits(let b), .wire(let width)) where width == 1:
            return (b & 1 == 1 ? "1" : "0") + codes[i]
        case (.bits(let b), _):
            return "b" + String(b, radix: 2) + " " + codes[i]
        case (.real(let r), _):
            return "r" + (r.isFinite ? String(r) : "0") + " " + codes[i]
        case (.string(let s), _):
            let clean = s.isEmpty ? "-" : String(s.map { $0 == " " || !$0.isASCII ? "_" : $0 })
            return "s" + clean + " " + codes[i]
        }
    }

    public func change(_ id: SignalID, at tick: Tick, to newValue: SignalValue) {
        let time = tick / unit
        if lastTime != time {
            write("#\(time)\n")
            lastTime = time
        }
        write(value(newValue, Int(id.raw)) + "\n")
    }

    public func end(at tick: Tick) {
        let time = tick / unit
        if let lastTime, time > lastTime { write("#\(time)\n") }
        drain()
        fflush(file)
    }
}

/// A waveform file that cannot be written.
public struct VCDError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
