import ArgumentParser
import Service

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Symbolize logs posted over HTTP, binaries kept loaded between requests.",
        discussion: "POST /v1/symbolize?format=text|json|markdown&reports_only=1 answers what `ksymbolize` would print (exit status in the Ksymbolize-Status header); GET /healthz, GET /metrics. See README, Service.",
        version: buildVersion)

    @OptionGroup var kernel: KernelOptions
    @OptionGroup(title: "Triage") var triage: TriageOptions
    @OptionGroup(title: "Service") var service: ServiceOptions

    func run() throws {
        let server = SymbolizationService(
            options: try kernel.makeOptions(), triage: try triage.makeSources(), settings: service,
            generator: "ksymbolize \(buildVersion)")
        try server.run()
    }
}
