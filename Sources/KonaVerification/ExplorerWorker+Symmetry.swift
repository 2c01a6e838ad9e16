// The symmetry reduction: a state's canonical encoding over renumberings of the agents.
extension ExplorerWorker {
    /// The current state in its canonical encoding: the smallest over renumberings of the
    /// agents, and the renumbering (agent `a` became `p[a]`).
    func canonical() -> (bytes: [UInt8], p: [Int]) {
        var s = ExplorerState(agents: n, lines: lineCount)
        snapshot(into: &s)
        let j = canonical(s)
        return (best, permutations[j])
    }

    /// Leaves `s`'s canonical encoding in `best` and returns the index of the renumbering that
    /// gives it: the smallest encoding over the renumberings that order the agents by their
    /// signatures (all of them when the signatures tie), which is the same for every
    /// renumbering of `s`.
    func canonical(_ s: ExplorerState) -> Int {
        // The buffers are taken out of the worker while in use (no access checks in the loop).
        var signatures: [[UInt8]] = [], scratch: [UInt8] = [], best: [UInt8] = []
        swap(&signatures, &self.signatures)
        swap(&scratch, &self.scratch)
        swap(&best, &self.best)
        defer {
            swap(&signatures, &self.signatures)
            swap(&scratch, &self.scratch)
            swap(&best, &self.best)
        }
        if n > 2 { for a in 0..<n { s.signature(of: a, into: &signatures[a]) } }
        var bestIndex = -1
        for j in permutations.indices {
            // p[a] is agent a's new number: only the renumberings that number the agents in
            // the order of their signatures.
            let inverse = inverses[j]
            if n > 2 && !(1..<n).allSatisfy({ !signatures[inverse[$0]].lexicographicallyPrecedes(signatures[inverse[$0 - 1]]) }) { continue }
            if bestIndex < 0 {
                best.removeAll(keepingCapacity: true)
                s.encode(permutations[j], inverse, into: &best)
                bestIndex = j
                continue
            }
            scratch.removeAll(keepingCapacity: true)
            s.encode(permutations[j], inverse, into: &scratch)
            if scratch.lexicographicallyPrecedes(best) { swap(&scratch, &best); bestIndex = j }
        }
        return bestIndex
    }

    /// Every ordering of `items`, in lexicographic order (n! of them).
    static func permutations(of items: [Int]) -> [[Int]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { i -> [[Int]] in
            var rest = items
            let first = rest.remove(at: i)
            return permutations(of: rest).map { [first] + $0 }
        }.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
