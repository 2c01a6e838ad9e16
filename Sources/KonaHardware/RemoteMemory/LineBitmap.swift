/// A bit per line of every numbered frame (`frame`, line `offset` within its block), with
/// the number of bits set: the FPGA's dirty and access bitmaps, and its record of the lines
/// the sockets hold. It grows a frame at a time, as the frame cache numbers frames.
public struct LineBitmap {
    /// Words of 64 bits per frame (bit `i` of word `w` is line `64 * w + i`).
    public let wordsPerFrame: Int
    private var words: [UInt64] = []
    /// Bits set over all frames.
    public private(set) var population = 0

    /// An empty bitmap of no frames, for frames of `linesPerFrame` lines.
    public init(linesPerFrame: Int) {
        wordsPerFrame = (linesPerFrame + 63) / 64
    }

    /// Adds a frame, all clear.
    public mutating func appendFrame() {
        words.append(contentsOf: repeatElement(0, count: wordsPerFrame))
    }

    @inline(__always)
    private func position(_ frame: Int, _ offset: Int) -> (word: Int, bit: UInt64) {
        (frame * wordsPerFrame + offset >> 6, 1 << UInt64(offset & 63))
    }

    /// Word `w` of `frame` (lines `64 * w` to `64 * w + 63`).
    @inline(__always)
    public func word(_ frame: Int, _ w: Int) -> UInt64 { words[frame * wordsPerFrame + w] }

    /// Whether line `offset` of `frame` is set.
    public func contains(_ frame: Int, _ offset: Int) -> Bool {
        let (w, bit) = position(frame, offset)
        return words[w] & bit != 0
    }

    /// Sets line `offset` of `frame`.
    public mutating func insert(_ frame: Int, _ offset: Int) {
        let (w, bit) = position(frame, offset)
        if words[w] & bit == 0 { words[w] |= bit; population += 1 }
    }

    /// Clears line `offset` of `frame`.
    public mutating func remove(_ frame: Int, _ offset: Int) {
        let (w, bit) = position(frame, offset)
        if words[w] & bit != 0 { words[w] &= ~bit; population -= 1 }
    }

    /// The offsets set in `frame`, ascending.
    public func offsets(in frame: Int) -> [Int] {
        var out: [Int] = []
        for w in 0..<wordsPerFrame {
            var bits = words[frame * wordsPerFrame + w]
            while bits != 0 {
                out.append(w * 64 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
        return out
    }

    /// Bits set in `frame`.
    public func count(in frame: Int) -> Int {
        (frame * wordsPerFrame ..< (frame + 1) * wordsPerFrame).reduce(0) { $0 + words[$1].nonzeroBitCount }
    }

    /// Clears `frame`.
    public mutating func clear(_ frame: Int) {
        for w in frame * wordsPerFrame ..< (frame + 1) * wordsPerFrame {
            population -= words[w].nonzeroBitCount
            words[w] = 0
        }
    }

    /// Clears every frame.
    public mutating func clearAll() {
        for w in words.indices { words[w] = 0 }
        population = 0
    }
}
