import KonaConfig

/// Runs a sweep's points (or one shard of them) into a results file: with `resume`, the rows
/// already in the file are kept and only the missing points run; without, the file starts
/// empty. Rows are appended as points finish and the file is rewritten in point order at the
/// end, so the result does not depend on how the sweep was run, interrupted or sharded.
public struct SweepExecution {
    public let spec: SweepSpec
    public let output: String
    public var shard: SweepShard?
    public var resume: Bool

    public init(spec: SweepSpec, output: String, shard: SweepShard? = nil, resume: Bool = false) {
        self.spec = spec
        self.output = output
        self.shard = shard
        self.resume = resume
    }

    /// The points this execution is responsible for (the shard's, or all).
    public var points: [SweepSpec.Point] {
        let all = spec.points()
        guard let shard else { return all }
        return all.filter { shard.contains($0.index) }
    }

    /// Runs the missing points with `runner`; returns the failed points (index, last line of
    /// their standard error) in point order. Failed points get no row.
    public func run(with runner: PointRunner) throws -> [(point: Int, message: String)] {
        let points = self.points
        let results = ResultsFile(path: output, spec: spec)
        if resume { try results.loadExisting() } else { try results.reset() }
        let todo = points.filter { !results.has($0.index) }
        let failures = try runner.run(todo, total: points.count, alreadyDone: points.count - todo.count) { index, json in
            try results.append(point: index, json: json)
        }
        try results.finish()
        return failures.sorted { $0.0 < $1.0 }.map { (point: $0.0, message: $0.1) }
    }
}
