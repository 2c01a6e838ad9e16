import KonaHardware

/// Single writer or multiple readers on `line`: among `cores`, those holding it in E or M are
/// writers, in S or SM_A (an S copy waiting for an upgrade) readers. The problem, if there is
/// more than one writer or a writer beside readers. The random tester and `konasim verify`
/// both check it after every step.
func singleWriterViolation(_ cores: [CoreComplexController], _ line: UInt64) -> String? {
    var writers: [Int] = [], readers: [Int] = []
    for core in cores {
        switch core.state(line) {
        case .E, .M: writers.append(core.index)
        case .S, .SM_A: readers.append(core.index)
        default: break
        }
    }
    guard writers.count > 1 || (writers.count == 1 && !readers.isEmpty) else { return nil }
    return "single-writer/multiple-reader broken on line \(line): writers \(writers.map { "core\($0)" }), readers \(readers.map { "core\($0)" })"
}
