import ArgumentParser
import KonaConfig

/// Options shared by commands that load a config.
struct ConfigOptions: ParsableArguments {
    @Argument(help: "A YAML config (default: the embedded hwconfigs/default.yaml).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a key, e.g. --set core.l1d.size=64KiB (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    /// The name the config is reported under.
    var configName: String { config ?? EmbeddedDefault.name }

    /// Loads the config with `extra` overrides applied after `--set` ones.
    func resolve(extra: [String] = []) throws(ConfigError) -> ResolvedConfig {
        if let config {
            return try KonaSchema.loader.load(path: config, overrides: overrides + extra)
        }
        return try KonaSchema.loader.load(text: EmbeddedDefault.yaml, name: EmbeddedDefault.name,
                                          overrides: overrides + extra)
    }
}
