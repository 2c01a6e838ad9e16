import KonaConfig

/// libFuzzer target `config`: the input, if it is UTF-8 text, is a config file and a sweep
/// file, read as `konasim run CONFIG` and `konasim sweep FILE` read them: the loader
/// (`extends:` included) then `SimulationConfig`'s checks; `SweepSpec`, which checks every
/// point's config. `extends:` and a sweep's `base:` resolve in `hwconfigs/` (the target
/// runs from the repository's root), so the presets' names reach real files. An error must
/// name its file and a problem.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let text = String(validating: UnsafeBufferPointer(start: data, count: size), as: UTF8.self) else { return 0 }
    do throws(ConfigError) {
        let resolved = try KonaSchema.loader.load(text: text, name: "fuzz.yaml", baseDirectory: "hwconfigs")
        _ = try SimulationConfig(resolved)
    } catch {
        check(error)
    }
    do throws(ConfigError) {
        _ = try SweepSpec(text: text, name: "fuzz.yaml", directory: "hwconfigs")
    } catch {
        check(error)
    }
    return 0
}

/// Traps on an error that names no file or no problem.
private func check(_ error: ConfigError) {
    precondition(!error.file.isEmpty && !error.problem.isEmpty, "an error without a cause: \(error)")
}
