import ArgumentParser
import CommandLineOptions
import Symbolizer

@main
struct Ksymbolize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ksymbolize",
        abstract: "Symbolize Linux kernel oopses, WARNINGs, BUGs and panics.",
        discussion: """
            Reads kernel logs (files, or standard input), finds the reports in them and \
            prints every line unchanged, with function, file:line and inline chain added \
            to each stack frame. Modules are relocated to the addresses the crashed \
            kernel used (--module-sections). Without a subcommand, symbolize runs: \
            `ksymbolize [OPTIONS] [LOG ...]` is `ksymbolize symbolize [OPTIONS] [LOG ...]`, \
            whose options `ksymbolize symbolize --help` lists.

            Exit status: 0 when every frame was symbolized, 2 when some frames could not \
            be (each says why), 1 on a fatal error (unreadable input), 64 on bad usage.
            """,
        // From git when built (scripts/version.sh, through Plugins/VersionPlugin); every subcommand takes --version too.
        version: buildVersion,
        subcommands: [SymbolizeCommand.self, AddrCommand.self, KallsymsCommand.self, ServeCommand.self],
        defaultSubcommand: SymbolizeCommand.self
    )

    static func main() {
        // Reading vmlinux takes as long as parsing the options: start it now.
        // (Not for serve, which execs ksymbolize-serve.)
        if CommandLine.arguments.dropFirst().first != "serve",
            let vmlinux = KernelOptions.vmlinuxArgument(in: CommandLine.arguments.dropFirst())
        {
            EarlyVmlinux.start(path: vmlinux)
        }
        main(nil)
    }
}
