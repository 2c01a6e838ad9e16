import ArgumentParser
import KonaProtocol
import KonaVerification

extension KonaSimCommand.Stress {
    /// The CXL part of `konasim stress`: hosts x lines (the campaign: 2, 3 and 4 hosts over 1, 2
    /// and 4 lines) for each seed. With `--coverage`, every row's hit count; the campaign fails
    /// if a row was never fired.
    func runCXL() throws {
        let shapes = campaign ? [2, 3, 4].flatMap { h in [1, 2, 4].map { (h, $0) } } : [(max(sockets, 2), lines)]
        var total: CXLStress.Coverage?
        var runs = 0, operations = 0, deliveries = 0, snoops = 0, conflicts = 0
        for (hosts, lines) in shapes {
            guard hosts <= 8 else { throw ValidationError("--home cxl: at most 8 hosts (--sockets)") }
            for s in try seedRange() {
                var c = CXLStress.Configuration()
                c.hosts = hosts
                c.lines = lines
                c.operations = ops
                c.seed = s
                do {
                    let outcome = try CXLStress(c).run()
                    if total == nil { total = outcome.coverage } else { total!.merge(outcome.coverage) }
                    operations += outcome.operations
                    deliveries += outcome.deliveries
                    snoops += outcome.backInvalidations
                    conflicts += outcome.conflicts
                } catch {
                    print("stress: FAILED with the cxl home")
                    print("\(error)")
                    print("reproduce: konasim stress --home cxl --sockets \(hosts) --lines \(lines) --ops \(ops) --seed \(s)")
                    throw ExitCode(3)
                }
                runs += 1
            }
        }
        var unfired: [String] = []
        if let total {
            let host = CXLHostProtocol.table, device = CXLDeviceProtocol.table
            if coverage { print("cxl rows (hits):") }
            for (i, row) in host.rows.enumerated() {
                if coverage { print("  cxl-host \(row.state.name) x \(row.event.name): \(total.host[i])") }
                if total.host[i] == 0 { unfired.append("cxl-host \(row.state.name) x \(row.event.name)") }
            }
            for (i, row) in device.rows.enumerated() {
                if coverage { print("  cxl-device \(row.state.name) x \(row.event.name): \(total.device[i])") }
                if total.device[i] == 0 { unfired.append("cxl-device \(row.state.name) x \(row.event.name)") }
            }
            print("  cxl: \(host.rows.count + device.rows.count - unfired.count) of \(host.rows.count + device.rows.count) rows covered"
                  + (unfired.isEmpty ? "" : (campaign ? "; NOT COVERED: " : "; never fired: ") + unfired.joined(separator: ", ")))
        }
        print("stress cxl: \(runs) runs (\(shapes.count) shape(s) x \(try seedRange().count) seed(s)), \(operations) operations, "
              + "\(deliveries) messages, \(snoops) back-invalidation snoops, \(conflicts) conflicts, no violation")
        if campaign && !unfired.isEmpty { throw ExitCode(3) }
    }
}
