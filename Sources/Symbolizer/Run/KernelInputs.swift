import ArchFixups

#if canImport(Glibc)
    import Glibc
#endif

/// What a user gives about the crashed kernel, as given (paths, values):
/// ``options(warn:)`` reads the snapshot files into ``SymbolizerOptions``.
/// The command line fills it from its options; a service from a request.
public struct KernelInputs: Sendable {
    public var vmlinux: String?
    public var release: String?
    public var modules: [String] = []
    /// `grep -r . /sys/module/*/sections/` output.
    public var moduleSections: String?
    public var procModules: String?
    public var kallsyms: String?
    public var kaslrOffset: UInt64?
    public var architecture: Architecture?
    public var kallsymsMode: KallsymsMode?
    /// A copy of `/sys/kernel/notes`.
    public var kernelNotes: String?
    /// A copy of `/sys/module` (at least `MOD/notes/.note.gnu.build-id`).
    public var moduleNotes: String?
    public var debugDirectories: [String] = []
    public var debuginfod: String?
    public var noDebuginfod = false
    public var live: Bool?

    public init() {}

    /// A problem with what was given, said for the user.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The options, with the snapshots read. Lines of a snapshot that do not
    /// parse are said through `warn` (five at most per file) and skipped.
    /// debuginfod's URLs (or their absence) are set for the whole process,
    /// where libdwfl's own lookups of separate debug files read them.
    public func options(warn: (String) -> Void) throws(Problem) -> SymbolizerOptions {
        var options = SymbolizerOptions(vmlinuxPath: vmlinux, modulePaths: modules)
        if let release {
            guard ModuleName.isValidRelease(release) else {
                throw Problem(description: "invalid -r \"\(release)\": expected a kernel release such as 6.1.0-50-amd64")
            }
            options.kernelRelease = release
        }
        if let path = moduleSections {
            var problems: [(line: Int, text: String)] = []
            options.moduleSections = ModuleSectionsSnapshot(text: try Self.read(path), problems: &problems)
            Self.report(problems, in: path, expected: "/sys/module/MOD/sections/SECTION:0xADDR or MOD SECTION 0xADDR", warn)
        }
        if let path = procModules {
            var problems: [(line: Int, text: String)] = []
            options.procModules = ProcModulesSnapshot(text: try Self.read(path), problems: &problems)
            Self.report(problems, in: path, expected: "a /proc/modules line: NAME SIZE REFS DEPS STATE 0xADDR", warn)
        }
        if let path = kallsyms {
            var problems: [(line: Int, text: String)] = []
            options.kallsyms = KallsymsSnapshot(text: try Self.read(path), problems: &problems)
            Self.report(problems, in: path, expected: "a /proc/kallsyms line: ADDRESS TYPE NAME [MODULE]", warn)
        }
        do {
            if let path = kernelNotes { try options.buildIDs.readKernelNotes(path) }
            if let path = moduleNotes {
                for file in try options.buildIDs.readModuleNotes(directory: path) { warn("\(file): no GNU build-id note in it") }
                if options.buildIDs.modules.isEmpty {
                    warn("\(path): no MOD/notes/.note.gnu.build-id below it (expected a copy of /sys/module)")
                }
            }
        } catch {
            throw Problem(description: error.description)
        }
        options.debugDirectories = debugDirectories
        if let debuginfod {
            guard debuginfod.split(separator: " ").allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") || $0.hasPrefix("file://") })
            else {
                throw Problem(description: "invalid --debuginfod \"\(debuginfod)\": expected URLs such as http://127.0.0.1:8002")
            }
            options.debuginfodURLs = debuginfod
            setenv("DEBUGINFOD_URLS", debuginfod, 1)
        }
        options.useDebuginfod = !noDebuginfod
        if noDebuginfod { unsetenv("DEBUGINFOD_URLS") }
        if let live { options.live = live ? .on : .off }
        options.kaslrOffset = kaslrOffset
        options.architecture = architecture
        options.kallsymsMode = kallsymsMode
        return options
    }

    private static func read(_ path: String) throws(Problem) -> String {
        do {
            return try TextFile.read(path)
        } catch {
            throw Problem(description: error.description)
        }
    }

    private static func report(
        _ problems: [(line: Int, text: String)], in path: String, expected: String, _ warn: (String) -> Void
    ) {
        for problem in problems.prefix(5) { warn("\(path):\(problem.line): ignored \"\(problem.text)\"; expected \(expected)") }
        if problems.count > 5 { warn("\(path): \(problems.count - 5) more lines ignored") }
    }
}
