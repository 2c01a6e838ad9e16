import ArgumentParser
import KonaConfig

extension KonaSimCommand {
    /// `konasim validate`: check a config and optionally print it with every default filled in.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check a config file; errors name file, line, column and key.")

        @OptionGroup var options: ConfigOptions

        @Flag(help: "Print the resolved config as YAML, every default filled in.")
        var printResolved = false

        func run() throws {
            let resolved = try SimulationConfig(try options.resolve()).resolved
            if printResolved {
                print("# resolved from \(options.configName)")
                print(resolved.yaml(), terminator: "")
            } else {
                print("\(options.configName): ok")
            }
        }
    }

    /// `konasim docs`: print generated reference documentation.
    struct Docs: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "docs",
            abstract: "Print generated reference docs (docs/config.md comes from `konasim docs config`).")

        enum Topic: String, ExpressibleByArgument, CaseIterable {
            case config
        }

        @Argument(help: "What to document: config.")
        var topic: Topic

        func run() throws {
            print(ConfigReference.markdown(KonaSchema.schema), terminator: "")
        }
    }
}
