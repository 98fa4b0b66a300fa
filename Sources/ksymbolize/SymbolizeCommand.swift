import ArgumentParser
import CommandLineOptions
import Symbolizer

#if canImport(Glibc)
    import Glibc
#endif

struct SymbolizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "symbolize",
        abstract: "Annotate kernel logs (the default subcommand).",
        discussion: """
            Every input line is printed unchanged and in order, as soon as it is read; \
            a frame line gets its file:line appended and one indented line per inlined caller. \
            With --format json, a JSON document of the reports is printed instead (see README).
            """,
        version: buildVersion
    )

    @Argument(
        help: ArgumentHelp(
            "Log files to read; standard input when none is given.",
            discussion: "As with scripts/decode_stacktrace.sh, `ksymbolize VMLINUX [MODULES_DIR] < log` also works: a first argument that is an ELF executable is taken as --vmlinux, and a directory after it as --modules."
        ), completion: .file())
    var logs: [String] = []

    @OptionGroup var kernel: KernelOptions

    @OptionGroup(title: "Triage") var triage: TriageOptions

    @Option(name: .customLong("format"), help: "Output format: text, json or markdown (a bug-tracker comment that leads with the crash).")
    var format: OutputFormat = .text

    @Flag(name: .customLong("reports-only"), help: "Print only the lines of the reports found, not the whole log.")
    var reportsOnly = false

    func run() throws {
        var options = try kernel.makeOptions()
        var logs = self.logs
        // decode_stacktrace.sh habit: ksymbolize VMLINUX [BASE_PATH|MODULES_DIR]
        if options.vmlinuxPath == nil, let first = logs.first, FileProbe.isKernelImage(path: first) {
            options.vmlinuxPath = first
            logs.removeFirst()
            if let second = logs.first, FileProbe.isDirectory(path: second) {
                options.modulePaths.append(second)
                logs.removeFirst()
            }
        }
        let sources = try triage.makeSources()
        let symbolizer = Symbolizer(options: options)
        let output = OutputSink(fd: 1)
        let run = LogRun(
            symbolizer: symbolizer, format: format, reportsOnly: reportsOnly, generator: "ksymbolize \(buildVersion)",
            triage: sources, write: output.write, warn: Diagnostics.warn)
        // Start reading vmlinux, and the modules the logs' frames name, while the logs are read.
        run.preload(paths: logs)
        for input in logs.isEmpty ? ["-"] : logs {
            let fd: Int32 = input == "-" ? 0 : open(input, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FatalError("cannot open \(input): \(String(cString: strerror(errno)))") }
            defer { if fd != 0 { close(fd) } }
            run.read(fd: fd)
        }
        let summary = try run.finish()
        // The process ends soon: the OS frees the binaries' maps and tables
        // faster than tearing down every libdw structure one by one.
        _ = Unmanaged.passRetained(symbolizer)
        if summary.exitStatus != 0 { throw ExitCode(summary.exitStatus) }
    }
}
