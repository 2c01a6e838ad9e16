#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes a Slurm job array that runs a sweep's shards and a merge job that waits for it.
public enum SlurmScripts {
    /// Writes `sweep.sbatch` (array tasks 0..<shards, task i running `sweep --shard i/shards`
    /// into `results/shard-i.EXT`), `merge.sbatch` and `submit.sh` to `directory`, creating
    /// it with `results/` and `logs/`. The scripts call `executable` by its absolute path.
    /// Returns a line saying what was written.
    public static func write(to directory: String, sweepFile: String, shards: Int, output: String,
                             executable: String = PointRunner.currentExecutable) throws -> String {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/results", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        let dir = URL(fileURLWithPath: directory).standardizedFileURL.path
        let sweep = URL(fileURLWithPath: sweepFile).standardizedFileURL.path
        let ext = output.hasSuffix(".jsonl") ? "jsonl" : "csv"
        let array = """
        #!/bin/bash
        # A KonaSim sweep as a Slurm job array: task i runs shard i of \(shards).
        #SBATCH --job-name=konasim-sweep
        #SBATCH --array=0-\(shards - 1)
        #SBATCH --ntasks=1
        #SBATCH --cpus-per-task=1
        #SBATCH --output=\(dir)/logs/sweep-%A_%a.out
        set -euo pipefail
        "\(executable)" sweep "\(sweep)" --shard "${SLURM_ARRAY_TASK_ID}/\(shards)" --jobs 1 -o "\(dir)/results/shard-${SLURM_ARRAY_TASK_ID}.\(ext)"

        """
        let merge = """
        #!/bin/bash
        # Merges the shards once every array task has succeeded (submitted with --dependency=afterok).
        #SBATCH --job-name=konasim-merge
        #SBATCH --ntasks=1
        #SBATCH --output=\(dir)/logs/merge-%j.out
        set -euo pipefail
        "\(executable)" merge "\(dir)"/results/shard-*.\(ext) -o "\(dir)/results.\(ext)"

        """
        let submit = """
        #!/bin/bash
        # Submits the array, then the merge job that depends on it. Prints both job ids.
        set -euo pipefail
        cd "$(dirname "$0")"
        array=$(sbatch --parsable sweep.sbatch)
        merge=$(sbatch --parsable --dependency=afterok:${array} merge.sbatch)
        echo "array ${array} merge ${merge}"

        """
        for (name, text) in [("sweep.sbatch", array), ("merge.sbatch", merge), ("submit.sh", submit)] {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
            chmod(directory + "/" + name, 0o755)
        }
        return "wrote \(directory)/sweep.sbatch (array 0-\(shards - 1)), merge.sbatch and submit.sh; run \(directory)/submit.sh"
    }
}
