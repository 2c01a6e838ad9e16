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
/// extension); `$dumpvars` gives the values at the start (time 0, or a window's start);
/// then `#time` and the changes, in time
/// order. Identifier codes are base-94 printable ASCII (one character for the first 94
/// signals). Output goes through a 64 KiB buffer, so memory stays flat in run length.
/// The `$date` is fixed text: the same run gives the same bytes.
public final class VCDWriter: TraceSink {
    private let file: UnsafeMutablePointer<FILE>
    /// Output bytes not yet written: a buffer allocated once, drained at `bufferSize`.
    private static let bufferSize = 1 << 16
    private let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: VCDWriter.bufferSize)
    private var used = 0
    /// Per signal: its width (0 for a real, -1 for a string) and its code, flat.
    private var widths: [Int] = []
    private var codeBytes: [UInt8] = []
    private var codeStart: [Int] = [0]
    private var strings = SignalStrings()
    /// The texts of string signals, sanitized for VCD (no spaces), flat by string index.
    private var textBytes: [UInt8] = []
    private var textStart: [Int] = [0]
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
    }

    deinit {
        fclose(file)
        buffer.deallocate()
    }

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
        for byte in text.utf8 {
            if used == Self.bufferSize { drain() }
            buffer[used] = byte
            used += 1
        }
    }

    private func drain() {
        _ = fwrite(buffer, 1, used, file)
        bytesWritten += used
        used = 0
    }

    /// Makes room for `n` more bytes.
    @inline(__always)
    private func reserve(_ n: Int) {
        if used + n > Self.bufferSize { drain() }
    }

    @inline(__always)
    private func put(_ byte: UInt8) {
        buffer[used] = byte
        used &+= 1
    }

    /// Adds the sanitized bytes of the strings interned since the last call.
    private func catchUpTexts() {
        while textStart.count <= strings.texts.count {
            let text = strings.texts[textStart.count - 1]
            if text.isEmpty { textBytes.append(UInt8(ascii: "-")) }
            for byte in text.utf8 { textBytes.append(byte == 32 || byte > 126 ? UInt8(ascii: "_") : byte) }
            textStart.append(textBytes.count)
        }
    }

    public func begin(signals: [(path: String, kind: SignalKind)], initial: [UInt64], strings: SignalStrings, at start: Tick) {
        self.strings = strings
        widths = signals.map {
            switch $0.kind {
            case .wire(let width): width
            case .real: 0
            case .string: -1
            }
        }
        for i in signals.indices {
            codeBytes += Array(Self.code(i).utf8)
            codeStart.append(codeBytes.count)
        }
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
            let code = String(decoding: codeBytes[codeStart[i] ..< codeStart[i + 1]], as: UTF8.self)
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
        let time = unit == 1 ? start : start / unit
        write("$enddefinitions $end\n#\(time)\n$dumpvars\n")
        for (i, raw) in initial.enumerated() { append(value: raw, of: i) }
        write("$end\n")
        lastTime = time
    }

    /// Appends one value line (`1!`, `b101 "`, `r0.5 #`, `sIS_D $`) without building strings.
    @inline(__always)
    private func append(value raw: UInt64, of i: Int) {
        let width = widths[i]
        let codeFrom = codeStart[i], codeTo = codeStart[i + 1]
        if width == 1 {
            reserve(2 + codeTo - codeFrom)
            put(raw & 1 == 1 ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        } else if width > 1 {
            reserve(67 + codeTo - codeFrom)
            put(UInt8(ascii: "b"))
            if raw == 0 {
                put(UInt8(ascii: "0"))
            } else {
                var bit = 63 - raw.leadingZeroBitCount
                while bit >= 0 {
                    put((raw >> UInt64(bit)) & 1 == 1 ? UInt8(ascii: "1") : UInt8(ascii: "0"))
                    bit -= 1
                }
            }
            put(UInt8(ascii: " "))
        } else if width == 0 {
            let r = Double(bitPattern: raw)
            write("r" + (r.isFinite ? String(r) : "0") + " ")
            reserve(1 + codeTo - codeFrom)
        } else {
            if Int(raw) + 1 >= textStart.count { catchUpTexts() }
            let from = Int(raw) + 1 < textStart.count ? textStart[Int(raw)] : 0
            let to = Int(raw) + 1 < textStart.count ? textStart[Int(raw) + 1] : 0
            reserve(3 + to - from + codeTo - codeFrom)
            put(UInt8(ascii: "s"))
            if to == from { put(UInt8(ascii: "?")) }
            for k in from ..< to { put(textBytes[k]) }
            put(UInt8(ascii: " "))
        }
        for k in codeFrom ..< codeTo { put(codeBytes[k]) }
        put(10)
    }

    @inline(__always)
    private func appendTime(_ time: Tick) {
        reserve(22)
        put(UInt8(ascii: "#"))
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
                put(d[count])
            }
        }
        put(10)
    }

    public func change(_ id: SignalID, at tick: Tick, raw: UInt64) {
        let time = unit == 1 ? tick : tick / unit
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
