import ArgumentParser
import Symbolizer

/// Where the crash verdict finds maintainers and source lines.
public struct TriageOptions: ParsableArguments {
    public init() {}

    @Option(
        name: .customLong("maintainers"),
        help: ArgumentHelp(
            "The kernel's MAINTAINERS file: the crash's guilty file gets its maintainers and lists (JSON, markdown).",
            valueName: "file"), completion: .file())
    var maintainers: String?

    @Option(
        name: .customLong("kernel-source"),
        help: ArgumentHelp(
            "The kernel tree the crashed kernel was built from: source lines for frames and the crash site (JSON, markdown), and its MAINTAINERS unless --maintainers is given.",
            valueName: "dir"), completion: .directory)
    var kernelSource: String?

    public func makeSources() throws -> TriageSources {
        do {
            return try TriageSources(maintainersPath: maintainers, kernelSourcePath: kernelSource, warn: Diagnostics.warn)
        } catch {
            throw FatalError(error.description)
        }
    }
}
