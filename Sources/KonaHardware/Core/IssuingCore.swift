import KonaEngine
import KonaWorkloads

/// What the system needs of a core, whatever its memory: run control and statistics.
public protocol IssuingCore: Component {
    var id: ComponentID { get }
    var clock: ClockDomain { get }
    var accesses: UInt64 { get }
    var latencySum: UInt64 { get }
    var lastCompletion: Tick { get }
    /// When the core's last instruction retired (its last access completed, or its last
    /// instruction issued, whichever is later).
    var finishTime: Tick { get }
    /// Whether the core has accesses left to issue, or issued ones the memory has not answered.
    var hasWorkLeft: Bool { get }
    /// Instructions issued so far.
    var instructionsIssued: UInt64 { get }
    var workloadError: WorkloadError? { get }
    var issueLog: IssueLog? { get set }
    func flushIssueLog()
    var missLatency: Distribution { get }
    var stallTime: Tick { get }
    func trace(with tracer: SignalTracer)
    /// Issues nothing before `time` (an interrupt handler runs until then).
    func interrupt(until time: Tick)
}
