import KonaProtocol

/// A controller's record of one line: at least its state (I when it holds nothing).
protocol TableLine {
    associatedtype State: ProtocolVocabulary
    init()
    var state: State { get set }
}
