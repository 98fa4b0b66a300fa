import ArgumentParser
import CommandLineOptions
import FoundationEssentials
import Symbolizer

struct AddrCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "addr",
        abstract: "Symbolize addresses or func+off expressions (addr2line/faddr2line for kernels).",
        discussion: """
            Each argument, or each line of standard input when there are none, is a runtime address \
            (0xffffffff81234567, bf80000e) or an expression as the kernel prints it \
            (crash_write+0x175/0x1ea [crashmod]). Each is answered as soon as it is read: \
            the function, then file:line and the inline chain, innermost first. \
            Without a KASLR offset (--kaslr-offset, --kallsyms), vmlinux addresses are link-time addresses. \
            With --format json, one JSON object per input (JSON Lines), with the frame fields \
            of `ksymbolize --format json` plus "input".
            """,
        version: buildVersion
    )

    @Argument(help: "Addresses or expressions; standard input when none is given.")
    var inputs: [String] = []

    @OptionGroup var kernel: KernelOptions

    @Option(name: .customLong("format"), help: "Output format: text or json (JSON Lines).")
    var format: AddrRun.Format = .text

    @Option(
        name: .customLong("threads"),
        help: ArgumentHelp(
            "Threads for DWARF lookups (default: $KSYMBOLIZE_THREADS, else the number of CPUs, at most 8).",
            discussion: "Each thread opens the binary in its own libdwfl session and owns a share of its compilation units; answers keep the input order. 1: everything on one thread.",
            valueName: "n"))
    var threads: Int?

    @Flag(
        name: .customLong("return-address"),
        help: "Treat the inputs as return addresses: look up the call before them (default: exact instructions).")
    var returnAddress = false

    func run() throws {
        var options = try kernel.makeOptions()
        // Like addr2line and llvm-symbolizer: without an offset, addresses are link-time addresses.
        options.rawAddressesDefaultToLinkTime = true
        let symbolizer = Symbolizer(options: options)
        let run = AddrRun(
            symbolizer: symbolizer, format: format, returnAddresses: returnAddress, threads: try threadCount(),
            write: OutputSink(fd: 1).write, warn: Diagnostics.warn)
        if inputs.isEmpty {
            run.read(fd: 0)
        } else {
            run.answer(inputs, firstNumber: 1)
        }
        // The process ends here: the OS frees the binaries' maps and tables
        // faster than tearing down every libdw structure one by one.
        _ = Unmanaged.passRetained(symbolizer)
        if run.unresolved > 0 { throw ExitCode(2) }
    }

    /// `--threads`, else `$KSYMBOLIZE_THREADS`, else the CPUs this process may use (at most 8).
    private func threadCount() throws -> Int {
        if let threads {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            return threads
        }
        if let text = ProcessInfo.processInfo.environment["KSYMBOLIZE_THREADS"], let value = Int(text), value >= 1 {
            return value
        }
        return max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    }
}
