import ArchFixups
import ArgumentParser
import Symbolizer

/// The options that describe the crashed kernel's binaries and layout.
public struct KernelOptions: ParsableArguments {
    public init() {}

    /// The value of `--vmlinux` in raw arguments (`--vmlinux PATH` or
    /// `--vmlinux=PATH`, before any `--`), for ``EarlyVmlinux`` to read
    /// ahead of the parser; the parser stays the judge of what they mean.
    public static func vmlinuxArgument(in arguments: ArraySlice<String>) -> String? {
        var found: String?
        var index = arguments.startIndex
        while index < arguments.endIndex, arguments[index] != "--" {
            if arguments[index] == "--vmlinux", index + 1 < arguments.endIndex {
                found = arguments[index + 1]
                index += 1
            } else if arguments[index].hasPrefix("--vmlinux=") {
                found = String(arguments[index].dropFirst("--vmlinux=".count))
            }
            index += 1
        }
        return found
    }

    @Option(name: .customLong("vmlinux"), help: "The crashed kernel's vmlinux (with DWARF for file:line).", completion: .file())
    var vmlinux: String?

    @Option(
        name: [.customShort("r"), .customLong("release")],
        help: ArgumentHelp(
            "The crashed kernel's release; without --vmlinux/--modules, binaries are looked for in /usr/lib/debug and /lib/modules for it (default: from the log).",
            valueName: "release"))
    var release: String?

    @Option(
        name: .customLong("modules"), help: "A directory searched recursively for NAME.ko, or a .ko file. Repeatable.",
        completion: .file())
    var modules: [String] = []

    @Option(
        name: .customLong("module-sections"),
        help: ArgumentHelp(
            "Module section addresses: the output of `grep -r . /sys/module/*/sections/` on the crashed machine.",
            valueName: "file"), completion: .file())
    var moduleSections: String?

    @Option(
        name: .customLong("proc-modules"), help: ArgumentHelp("A copy of /proc/modules from the crashed machine.", valueName: "file"),
        completion: .file())
    var procModules: String?

    @Option(
        name: .customLong("kallsyms"),
        help: ArgumentHelp("A copy of /proc/kallsyms from the crashed machine (gives the KASLR offset).", valueName: "file"),
        completion: .file())
    var kallsyms: String?

    @Option(name: .customLong("kaslr-offset"), help: ArgumentHelp("The KASLR offset of vmlinux, in hex.", valueName: "hex"))
    var kaslrOffset: HexNumber?

    @Option(name: .customLong("arch"), help: "The architecture; found from the log and the binaries otherwise.")
    var arch: Architecture?

    @Option(
        name: .customLong("kallsyms-mode"),
        help: "How the kernel's kallsyms printed Thumb-2 module symbols: fixed (Linux ≥ 5.0) or raw (older). Found from the log otherwise."
    )
    var kallsymsMode: KallsymsMode?

    @Option(
        name: .customLong("kernel-notes"),
        help: ArgumentHelp(
            "A copy of /sys/kernel/notes from the crashed machine: vmlinux's build id, to pick and check the binary.",
            valueName: "file"), completion: .file())
    var kernelNotes: String?

    @Option(
        name: .customLong("module-notes"),
        help: ArgumentHelp(
            "A copy of /sys/module from the crashed machine (at least MOD/notes/.note.gnu.build-id): the modules' build ids.",
            valueName: "dir"), completion: .directory)
    var moduleNotes: String?

    @Option(
        name: .customLong("debug-dir"),
        help: ArgumentHelp(
            "A root with a .build-id/xx/yyyy.debug tree (like /usr/lib/debug, searched last), for separate debug files and binaries by build id. Repeatable.",
            valueName: "dir"), completion: .directory)
    var debugDirectories: [String] = []

    @Option(
        name: .customLong("debuginfod"),
        help: ArgumentHelp(
            "debuginfod server URLs (space-separated), asked for binaries by build id when no local file has it (default: $DEBUGINFOD_URLS).",
            valueName: "urls"))
    var debuginfod: String?

    @Flag(name: .customLong("no-debuginfod"), help: "Never ask debuginfod servers, even with DEBUGINFOD_URLS set.")
    var noDebuginfod = false

    @Flag(
        name: .customLong("live"), inversion: .prefixedNo,
        help: ArgumentHelp(
            "Read this machine's /proc/modules, /sys/module/*/sections, /proc/kallsyms and /sys/kernel/notes (needs root and kernel.kptr_restrict=0). Default: when the log's release is the running kernel's and no snapshot is given."
        ))
    var live: Bool?

    /// The options as the library takes them, the snapshots read (problems warned about).
    public func makeOptions() throws -> SymbolizerOptions {
        var inputs = KernelInputs()
        (inputs.vmlinux, inputs.release, inputs.modules) = (vmlinux, release, modules)
        (inputs.moduleSections, inputs.procModules, inputs.kallsyms) = (moduleSections, procModules, kallsyms)
        (inputs.kaslrOffset, inputs.architecture, inputs.kallsymsMode) = (kaslrOffset?.value, arch, kallsymsMode)
        (inputs.kernelNotes, inputs.moduleNotes, inputs.debugDirectories) = (kernelNotes, moduleNotes, debugDirectories)
        (inputs.debuginfod, inputs.noDebuginfod, inputs.live) = (debuginfod, noDebuginfod, live)
        do {
            return try inputs.options(warn: Diagnostics.warn)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
