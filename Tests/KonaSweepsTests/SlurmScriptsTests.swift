#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import KonaSweeps

@Suite struct SlurmScriptsTests {
    @Test(arguments: [(3, "results.csv", "csv"), (8, "out/r.jsonl", "jsonl")])
    func theArrayRunsOneShardPerTaskAndTheMergeWaitsForIt(_ shards: Int, _ output: String, _ ext: String) throws {
        let (dir, _) = try sweepFixture()
        let slurm = dir + "/slurm"
        let line = try SlurmScripts.write(to: slurm, sweepFile: dir + "/s.yaml", shards: shards, output: output, executable: "/opt/kona/konasim")
        #expect(line.contains("array 0-\(shards - 1)"))
        let array = try String(contentsOfFile: slurm + "/sweep.sbatch", encoding: .utf8)
        #expect(array.hasPrefix("#!/bin/bash\n"))
        #expect(array.contains("#SBATCH --array=0-\(shards - 1)\n"))
        #expect(array.contains("\"/opt/kona/konasim\" sweep \"\(dir)/s.yaml\" --shard \"${SLURM_ARRAY_TASK_ID}/\(shards)\" --jobs 1 -o \"\(slurm)/results/shard-${SLURM_ARRAY_TASK_ID}.\(ext)\""))
        let merge = try String(contentsOfFile: slurm + "/merge.sbatch", encoding: .utf8)
        #expect(merge.contains("\"/opt/kona/konasim\" merge \"\(slurm)\"/results/shard-*.\(ext) -o \"\(slurm)/results.\(ext)\""))
        let submit = try String(contentsOfFile: slurm + "/submit.sh", encoding: .utf8)
        #expect(submit.contains("sbatch --parsable --dependency=afterok:${array} merge.sbatch"))
        for name in ["sweep.sbatch", "merge.sbatch", "submit.sh"] {
            #expect(FileManager.default.isExecutableFile(atPath: slurm + "/" + name), "\(name) is executable")
        }
        #expect(FileManager.default.fileExists(atPath: slurm + "/logs") && FileManager.default.fileExists(atPath: slurm + "/results"))
    }

    @Test(arguments: ["1/4", "0/1", "3/4"])
    func aShardIsIOfN(_ text: String) throws {
        let shard = try SweepShard(parsing: text)
        #expect("\(shard.index)/\(shard.count)" == text)
        #expect((0..<12).filter(shard.contains) == (0..<12).filter { $0 % shard.count == shard.index })
    }

    @Test(arguments: ["4/4", "-1/4", "1", "a/b", "1/0", "1/2/3", ""])
    func aBadShardIsAnError(_ text: String) {
        #expect(throws: SweepError.self) { try SweepShard(parsing: text) }
    }
}
