import KonaEngine
import KonaProtocol

/// Carries messages between controllers; the tester delays them at random, the timed
/// system sends them over channels with latency and bandwidth.
public protocol CoherenceNetwork: AnyObject {
    /// Sends `message` now; it is delivered later to `message.destination`.
    func send(_ message: CoherenceMessage)
}
