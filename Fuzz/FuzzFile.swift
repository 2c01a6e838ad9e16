import Glibc     // libFuzzer with swiftc: Linux toolchains only

/// The one file a fuzz target writes each input to, so that the readers open it by path as
/// `konasim` does (`TraceFile`, `LackeyTraceReader`, `BinaryTraceReader` take paths).
///
/// One file per process, in /dev/shm (tmpfs: no disk, cheap truncation) if it is writable,
/// else in `$TMPDIR` or /tmp; rewritten per input with an `open`, a `write` and a `close`;
/// removed at exit. Traps if it cannot be written, which is the harness's fault, not the
/// input's.
enum FuzzFile {
    /// The file's path: `konasim-fuzz-PID` in /dev/shm, `$TMPDIR` or /tmp.
    static let path: String = {
        let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        let path = "\(directory)/konasim-fuzz-\(getpid())"
        atexit { unlink(FuzzFile.path) }
        return path
    }()

    /// Replaces the file's contents with `count` bytes at `bytes`; returns its path.
    static func write(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> String {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot create \(path): \(String(cString: strerror(errno)))")
        var done = 0
        while done < count {
            let n = Glibc.write(fd, bytes! + done, count - done)
            precondition(n > 0, "cannot write \(path): \(String(cString: strerror(errno)))")
            done += n
        }
        close(fd)
        return path
    }
}
