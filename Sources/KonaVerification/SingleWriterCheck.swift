import KonaHardware

/// Single writer or multiple readers on `line`: among `cores`, those holding it in E or M are
/// writers, in S or SM_A (an S copy waiting for an upgrade) readers. The problem, if there is
/// more than one writer or a writer beside readers. The random tester and `konasim verify`
/// both check it after every step.
func singleWriterViolation(_ cores: [CoreComplexController], _ line: UInt64) -> String? {
    var writerCount = 0, readerCount = 0
    for core in cores {
        switch core.state(line) {
        case .E, .M: writerCount += 1
        case .S, .SM_A: readerCount += 1
        default: break
        }
    }
    guard writerCount > 1 || (writerCount == 1 && readerCount > 0) else { return nil }
    let writers = cores.filter { [.E, .M].contains($0.state(line)) }.map(\.index)
    let readers = cores.filter { [.S, .SM_A].contains($0.state(line)) }.map(\.index)
    return "single-writer/multiple-reader broken on line \(line): writers \(writers.map { "core\($0)" }), readers \(readers.map { "core\($0)" })"
}
