import Dispatch

/// One detailed window of a sampled run (`SampledRun`), run on a thread of its own while the
/// functional model goes on warming towards the next window.
///
/// A window is a fork: once the functional model's state is copied into its `Simulation`
/// (`FunctionalSystem.copyState`), the two share nothing that either changes in place (the
/// controllers' line maps and FMem's arrays are copy-on-write values, whose reference counts
/// are atomic), so the window's result does not depend on when it runs and the sampled run
/// stays deterministic. The job owns its simulation until `wait` returns: the thread that
/// starts it must not touch the simulation before then.
final class WindowJob: @unchecked Sendable {
    /// The window's system; read it only after `wait`.
    let simulation: Simulation
    private let marks: [UInt64]
    private var result: Result<[WindowSnapshot], any Error> = .success([])
    private let done = DispatchSemaphore(value: 0)
    private var waited = false

    /// Starts running `simulation`'s window to `marks` (`Simulation.runWindow`) on another thread.
    init(_ simulation: Simulation, marks: [UInt64]) {
        self.simulation = simulation
        self.marks = marks
        DispatchQueue.global().async { [self] in
            result = Result { try self.simulation.runWindow(marks: self.marks) }
            done.signal()
        }
    }

    /// Waits for the window to end and returns its snapshots, one per mark.
    /// - Throws: what `runWindow` threw.
    func wait() throws -> [WindowSnapshot] {
        if !waited { done.wait(); waited = true }
        return try result.get()
    }
}
