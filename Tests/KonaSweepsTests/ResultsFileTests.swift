#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import KonaConfig
import KonaSweeps

@Suite struct ResultsFileTests {
    @Test(arguments: ["not json", "{\"point\": 1", "{\"point\" 1}", "{\"a\": \"unterminated}", "[1, 2]", "{point: 1}"])
    func aBadRowIsAnError(_ row: String) {
        #expect(throws: SweepError.self) { try ResultsFile.parseFlatJSON(row) }
        #expect(ResultsFile.pointIndex(row, csv: false) == nil)
    }

    @Test func aFlatRowParsesStringsNumbersAndEscapes() throws {
        let fields = try ResultsFile.parseFlatJSON("{\"point\": 2, \"k\": \"a \\\"b\\\" \\\\ c\", \"x\":1.5e3 }")
        #expect(fields.map(\.key) == ["point", "k", "x"])
        #expect(fields.map(\.value) == ["2", "a \"b\" \\ c", "1.5e3"])
        #expect(ResultsFile.pointIndex("{\"point\": 2}", csv: false) == 2)
        #expect(ResultsFile.pointIndex("12,0,7", csv: true) == 12 && ResultsFile.pointIndex("x,0,7", csv: true) == nil)
    }

    @Test func resumingAFileOfAnotherSweepOrWithAnUnreadableRowFails() throws {
        let (dir, spec) = try sweepFixture()
        let results = ResultsFile(path: dir + "/r.csv", spec: spec)
        try "point,repeat,seed,other\n".write(toFile: dir + "/r.csv", atomically: true, encoding: .utf8)
        #expect { try results.loadExisting() } throws: { ($0 as? SweepError)?.message.contains("header is not this sweep's") == true }
        try (results.header + "\nbad,row\n0,0,7\n").write(toFile: dir + "/r.csv", atomically: true, encoding: .utf8)
        #expect { try results.loadExisting() } throws: { ($0 as? SweepError)?.message.contains("unreadable row 'bad,row'") == true }
        // A missing file starts empty, with the header.
        let fresh = ResultsFile(path: dir + "/new.csv", spec: spec)
        try fresh.loadExisting()
        #expect(try String(contentsOfFile: dir + "/new.csv", encoding: .utf8) == fresh.header + "\n")
        #expect(fresh.header == "point,repeat,seed,core.l1d.ways,memory.latency,amat_ns,sim.events,version,config_hash")
    }

    @Test func mergeRejectsConflictsAndMixedFormats() throws {
        let (dir, _) = try sweepFixture()
        func file(_ name: String, _ text: String) throws -> String {
            try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            return dir + "/" + name
        }
        let a = try file("a.csv", "point,m\n0,1\n"), b = try file("b.csv", "point,m\n0,2\n"), c = try file("c.csv", "point,n\n1,1\n")
        let j = try file("j.jsonl", "{\"point\": 1}\n")
        func mergeError(_ inputs: [String], _ output: String) -> String? {
            do { try ResultsFile.merge(inputs, into: output); return nil } catch { return (error as? SweepError)?.message }
        }
        #expect(mergeError([a, b], dir + "/m.csv") == "point 0 differs between inputs")
        #expect(mergeError([a, c], dir + "/m.csv")?.contains("its columns differ") == true)
        #expect(mergeError([a, j], dir + "/m.csv")?.contains("merge files of the output's format only") == true)
        #expect(mergeError([a], dir + "/m.txt") == "-o must end in .csv or .jsonl")
        #expect(mergeError([dir + "/missing.csv"], dir + "/m.csv")?.contains("cannot read") == true)
        #expect(mergeError([try file("bad.csv", "point,m\nx,1\n")], dir + "/m.csv")?.contains("unreadable row 'x,1'") == true)
    }

    @Test func csvFieldsAreQuotedOnlyWhenNeeded() {
        #expect(ResultsFile.csvField("50ns") == "50ns")
        #expect(ResultsFile.csvField("{uniform: [1, 3]}") == "\"{uniform: [1, 3]}\"")
        #expect(ResultsFile.csvField("say \"x\"") == "\"say \"\"x\"\"\"")
    }
}
