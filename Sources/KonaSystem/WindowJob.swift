#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One detailed window of a sampled run (`SampledRun`), run on a thread of its own while the
/// functional model goes on warming towards the next window.
///
/// A window is a fork: once the functional model's state is copied into its `Simulation`
/// (`FunctionalSystem.copyState`), the two share nothing that either changes in place (the
/// controllers' line maps and FMem's arrays are copy-on-write values, whose reference counts
/// are atomic), so the window's result does not depend on when it runs and the sampled run
/// stays deterministic. The job owns its simulation until `wait` returns: the thread that
/// starts it must not touch the simulation before then. The thread is a plain POSIX thread,
/// so it inherits the starting thread's scheduling priority (`nice`).
final class WindowJob {
    /// The window's system; read it only after `wait`.
    let simulation: Simulation
    private let marks: [UInt64]
    private var result: Result<[WindowSnapshot], any Error> = .success([])
    private var thread: pthread_t?

    /// Starts running `simulation`'s window to `marks` (`Simulation.runWindow`) on another thread.
    init(_ simulation: Simulation, marks: [UInt64]) {
        self.simulation = simulation
        self.marks = marks
        #if canImport(Darwin)
        var thread: pthread_t? = nil
        #else
        var thread = pthread_t()
        #endif
        let started = pthread_create(&thread, nil, { argument in
            let pointer: UnsafeMutableRawPointer? = argument
            let job = Unmanaged<WindowJob>.fromOpaque(pointer!).takeRetainedValue()
            job.result = Result { try job.simulation.runWindow(marks: job.marks) }
            return nil
        }, Unmanaged.passRetained(self).toOpaque())
        if started == 0 {
            self.thread = thread
        } else {                                        // no thread to be had: run it here
            Unmanaged.passUnretained(self).release()
            result = Result { try simulation.runWindow(marks: marks) }
        }
    }

    /// Waits for the window to end and returns its snapshots, one per mark.
    /// - Throws: what `runWindow` threw.
    func wait() throws -> [WindowSnapshot] {
        if let thread {
            pthread_join(thread, nil)
            self.thread = nil
        }
        return try result.get()
    }
}
