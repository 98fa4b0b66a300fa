import ArchFixups
import ArgumentParser
import Symbolizer

#if canImport(Glibc)
    import Glibc
#endif

/// The options that describe the crashed kernel's binaries and layout.
struct KernelOptions: ParsableArguments {
    /// The value of `--vmlinux` in raw arguments (`--vmlinux PATH` or
    /// `--vmlinux=PATH`, before any `--`), for ``EarlyVmlinux`` to read
    /// ahead of the parser; the parser stays the judge of what they mean.
    static func vmlinuxArgument(in arguments: ArraySlice<String>) -> String? {
        var found: String?
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--" { break }
            if argument == "--vmlinux", index + 1 < arguments.endIndex {
                found = arguments[index + 1]
                index += 1
            } else if argument.hasPrefix("--vmlinux=") {
                found = String(argument.dropFirst("--vmlinux=".count))
            }
            index += 1
        }
        return found
    }

    @Option(name: .customLong("vmlinux"), help: "The crashed kernel's vmlinux (with DWARF for file:line).")
    var vmlinux: String?

    @Option(
        name: [.customShort("r"), .customLong("release")],
        help: ArgumentHelp(
            "The crashed kernel's release; without --vmlinux/--modules, binaries are looked for in /usr/lib/debug and /lib/modules for it (default: from the log).",
            valueName: "release"))
    var release: String?

    @Option(
        name: .customLong("modules"),
        help: "A directory searched recursively for NAME.ko, or a .ko file. Repeatable.")
    var modules: [String] = []

    @Option(
        name: .customLong("module-sections"),
        help: ArgumentHelp(
            "Module section addresses: the output of `grep -r . /sys/module/*/sections/` on the crashed machine.",
            valueName: "file"))
    var moduleSections: String?

    @Option(name: .customLong("proc-modules"), help: ArgumentHelp("A copy of /proc/modules from the crashed machine.", valueName: "file"))
    var procModules: String?

    @Option(
        name: .customLong("kallsyms"),
        help: ArgumentHelp("A copy of /proc/kallsyms from the crashed machine (gives the KASLR offset).", valueName: "file"))
    var kallsyms: String?

    @Option(name: .customLong("kaslr-offset"), help: ArgumentHelp("The KASLR offset of vmlinux, in hex.", valueName: "hex"))
    var kaslrOffset: String?

    @Option(name: .customLong("arch"), help: "The architecture (x86_64, arm, arm64, …); found from the binaries otherwise.")
    var arch: String?

    @Option(
        name: .customLong("kallsyms-mode"),
        help: ArgumentHelp(
            "How the kernel's kallsyms printed Thumb-2 module symbols: fixed (Linux ≥ 5.0) or raw (older). Found from the log otherwise.",
            valueName: "fixed|raw"))
    var kallsymsMode: String?

    @Option(
        name: .customLong("kernel-notes"),
        help: ArgumentHelp(
            "A copy of /sys/kernel/notes from the crashed machine: vmlinux's build id, to pick and check the binary.",
            valueName: "file"))
    var kernelNotes: String?

    @Option(
        name: .customLong("module-notes"),
        help: ArgumentHelp(
            "A copy of /sys/module from the crashed machine (at least MOD/notes/.note.gnu.build-id): the modules' build ids.",
            valueName: "dir"))
    var moduleNotes: String?

    @Option(
        name: .customLong("debug-dir"),
        help: ArgumentHelp(
            "A root with a .build-id/xx/yyyy.debug tree (like /usr/lib/debug, searched last), for separate debug files and binaries by build id. Repeatable.",
            valueName: "dir"))
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

    func makeOptions() throws -> SymbolizerOptions {
        var options = SymbolizerOptions(vmlinuxPath: vmlinux, modulePaths: modules)
        if let release {
            guard ModuleName.isValidRelease(release) else {
                throw ValidationError("invalid -r \"\(release)\": expected a kernel release such as 6.1.0-50-amd64")
            }
            options.kernelRelease = release
        }
        if let path = moduleSections {
            var problems: [(line: Int, text: String)] = []
            options.moduleSections = ModuleSectionsSnapshot(text: try readText(path), problems: &problems)
            report(problems, in: path, expected: "/sys/module/MOD/sections/SECTION:0xADDR or MOD SECTION 0xADDR")
        }
        if let path = procModules {
            var problems: [(line: Int, text: String)] = []
            options.procModules = ProcModulesSnapshot(text: try readText(path), problems: &problems)
            report(problems, in: path, expected: "a /proc/modules line: NAME SIZE REFS DEPS STATE 0xADDR")
        }
        if let path = kallsyms {
            var problems: [(line: Int, text: String)] = []
            options.kallsyms = KallsymsSnapshot(text: try readText(path), problems: &problems)
            report(problems, in: path, expected: "a /proc/kallsyms line: ADDRESS TYPE NAME [MODULE]")
        }
        if let path = kernelNotes {
            do {
                try options.buildIDs.readKernelNotes(path)
            } catch {
                throw ValidationError(error.description)
            }
        }
        if let path = moduleNotes {
            do {
                let unreadable = try options.buildIDs.readModuleNotes(directory: path)
                for file in unreadable { Diagnostics.warn("\(file): no GNU build-id note in it") }
                if options.buildIDs.modules.isEmpty {
                    Diagnostics.warn("\(path): no MOD/notes/.note.gnu.build-id below it (expected a copy of /sys/module)")
                }
            } catch {
                throw ValidationError(error.description)
            }
        }
        options.debugDirectories = debugDirectories
        if let debuginfod {
            guard debuginfod.split(separator: " ").allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") || $0.hasPrefix("file://") }) else {
                throw ValidationError("invalid --debuginfod \"\(debuginfod)\": expected URLs such as http://127.0.0.1:8002")
            }
            options.debuginfodURLs = debuginfod
        }
        options.useDebuginfod = !noDebuginfod
        // For libdwfl's own lookups of separate debug files too: the process
        // is this one run.
        if let debuginfod { setenv("DEBUGINFOD_URLS", debuginfod, 1) }
        if noDebuginfod { unsetenv("DEBUGINFOD_URLS") }
        if let live { options.live = live ? .on : .off }
        if let text = kaslrOffset {
            guard let value = UInt64(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16) else {
                throw ValidationError("invalid --kaslr-offset \"\(text)\": expected a hex number such as 0x1e000000")
            }
            options.kaslrOffset = value
        }
        if let text = arch {
            guard let architecture = Architecture(name: text) else {
                let names = Architecture.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("unknown --arch \"\(text)\": expected one of \(names)")
            }
            options.architecture = architecture
        }
        if let text = kallsymsMode {
            guard let mode = KallsymsMode(rawValue: text) else {
                throw ValidationError("invalid --kallsyms-mode \"\(text)\": expected fixed or raw")
            }
            options.kallsymsMode = mode
        }
        return options
    }

    private func report(_ problems: [(line: Int, text: String)], in path: String, expected: String) {
        for problem in problems.prefix(5) {
            Diagnostics.warn("\(path):\(problem.line): ignored \"\(problem.text)\"; expected \(expected)")
        }
        if problems.count > 5 { Diagnostics.warn("\(path): \(problems.count - 5) more lines ignored") }
    }
}

func readText(_ path: String) throws -> String {
    do {
        return try TextFile.read(path)
    } catch {
        throw ValidationError(error.description)
    }
}
