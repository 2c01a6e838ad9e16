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
    private var codes: [[UInt8]] = []
    private var strings = SignalStrings()
    private var lastTime: Tick?
    private let timescale: String
    private let unit: Tick
    private let version: String
    /// Bytes written so far.
    public private(set) var bytesWritten = 0

    /// Opens `path` for writing. Times are written in units of `unit` picoseconds (rounded
    /// down), shown as `timescale`.
    /// - Throws: `VCDError` when the file cannot be created.
    public init(path: String, timescale: String = "1ps", unit: Tick = 1, version: String) throws {
        guard let f = fopen(path, "w") else { throw VCDError(message: "cannot write \(path): \(String(cString: strerror(errno)))") }
        file = f
        self.timescale = timescale
        self.unit = max(1, unit)
        self.version = version
        buffer.reserveCapacity(1 << 17)
    }

    deinit { fclose(file) }

    /// The identifier code of signal number `index`: base-94 printable ASCII.
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

    public func begin(signals: [(path: String, kind: SignalKind)], initial: [UInt64], strings: SignalStrings) {
        self.strings = strings
        kinds = signals.map(\.kind)
        codes = signals.indices.map { Array(Self.code($0).utf8) }
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
            let code = String(decoding: codes[i], as: UTF8.self)
            switch signals[i].kind {
            case .wire(let width):
                write("$var wire \(width) \(code) \(name)\(width > 1 ? " [\(width - 1):0]" : "") $end\n")
            case .real:
                write("$var real 64 \(code) \(name) $end\n")
            case .string:
                write("$var string 1 \(code) \(name) $end\n")
            }
        }
        for _ in open { write("$upscope $end\n") }
        write("$enddefinitions $end\n#0\n$dumpvars\n")
        for (i, raw) in initial.enumerated() { append(value: raw, of: i) }
        write("$end\n")
        lastTime = 0
    }

    /// Appends one value line (`1!`, `b101 "`, `r0.5 #`, `sIS_D $`) without building strings.
    @inline(__always)
    private func append(value raw: UInt64, of i: Int) {
        switch kinds[i] {
        case .wire(let width) where width == 1:
            buffer.append(raw & 1 == 1 ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        case .wire:
            buffer.append(UInt8(ascii: "b"))
            if raw == 0 {
                buffer.append(UInt8(ascii: "0"))
            } else {
                var bit = 63 - raw.leadingZeroBitCount
                while bit >= 0 {
                    buffer.append((raw >> UInt64(bit)) & 1 == 1 ? UInt8(ascii: "1") : UInt8(ascii: "0"))
                    bit -= 1
                }
            }
            buffer.append(UInt8(ascii: " "))
        case .real:
            let r = Double(bitPattern: raw)
            buffer.append(UInt8(ascii: "r"))
            buffer.append(contentsOf: (r.isFinite ? String(r) : "0").utf8)
            buffer.append(UInt8(ascii: " "))
        case .string:
            let text = Int(raw) < strings.texts.count ? strings.texts[Int(raw)] : "?"
            buffer.append(UInt8(ascii: "s"))
            if text.isEmpty { buffer.append(UInt8(ascii: "-")) }
            for byte in text.utf8 { buffer.append(byte == 32 || byte > 126 ? UInt8(ascii: "_") : byte) }
            buffer.append(UInt8(ascii: " "))
        }
        buffer.append(contentsOf: codes[i])
        buffer.append(10)
        if buffer.count >= 1 << 16 { drain() }
    }

    @inline(__always)
    private func appendTime(_ time: Tick) {
        buffer.append(UInt8(ascii: "#"))
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = time, count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(48 + n % 10)
                n /= 10
                count += 1
            } while n > 0
            while count > 0 {
                count -= 1
                buffer.append(d[count])
            }
        }
        buffer.append(10)
    }

    public func change(_ id: SignalID, at tick: Tick, raw: UInt64) {
        let time = tick / unit
        if lastTime != time {
            appendTime(time)
            lastTime = time
        }
        append(value: raw, of: Int(id.raw))
    }

    public func end(at tick: Tick) {
        let time = tick / unit
        if let lastTime, time > lastTime { appendTime(time) }
        drain()
        fflush(file)
    }
}

/// A waveform file that cannot be written.
public struct VCDError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
