import ArgumentParser
import CommandLineOptions
import Service
import Symbolizer

/// `ksymbolize serve`, which `ksymbolize` execs with the arguments after
/// `serve`: the same options (``ServeArguments``), parsed again here.
@main
struct KsymbolizeServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ksymbolize serve", abstract: "The HTTP service of ksymbolize (see ksymbolize serve --help).",
        version: buildVersion)

    @OptionGroup var arguments: ServeArguments

    static func main() {
        // The first request's vmlinux, read while the service starts.
        if let vmlinux = KernelOptions.vmlinuxArgument(in: CommandLine.arguments.dropFirst()) {
            EarlyVmlinux.start(path: vmlinux)
        }
        main(nil)
    }

    func run() throws {
        let service = SymbolizationService(
            options: try arguments.kernel.makeOptions(), triage: try arguments.triage.makeSources(),
            settings: arguments.service, generator: "ksymbolize \(buildVersion)")
        try service.run()
    }
}
