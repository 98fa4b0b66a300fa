import ArchFixups

#if canImport(Glibc)
    import Glibc
#endif

/// What the symbolizer is given about the crashed kernel.
public struct SymbolizerOptions: Sendable {
    /// vmlinux with symbols (and DWARF for file:line).
    public var vmlinuxPath: String?
    /// Directories (searched recursively) or files of modules.
    public var modulePaths: [String]
    /// Runtime section addresses of modules.
    public var moduleSections: ModuleSectionsSnapshot
    /// `/proc/modules` of the crashed machine.
    public var procModules: ProcModulesSnapshot
    /// `/proc/kallsyms` of the crashed machine.
    public var kallsyms: KallsymsSnapshot = .init()
    /// KASLR offset (runtime − link-time address of vmlinux), when known up front.
    public var kaslrOffset: UInt64?
    /// Overrides the architecture found in the binaries or the log.
    public var architecture: Architecture?
    /// Overrides the kallsyms mode found in the log.
    public var kallsymsMode: KallsymsMode?
    /// The crashed kernel's release (`-r`); otherwise taken from the log.
    /// Without `--vmlinux`/`--modules`, the binaries are looked for in the
    /// standard places for this release (see ``Symbolizer``).
    public var kernelRelease: String?
    /// Whether x86-64 modules are relocated by ksymbolize one CU at a time
    /// (default) instead of whole by libdwfl (`KSYMBOLIZE_LIBDWFL_RELOCATION=1`
    /// in the environment turns it off, for comparison).
    public var lazyModuleRelocation = getenv("KSYMBOLIZE_LIBDWFL_RELOCATION") == nil

    public init(
        vmlinuxPath: String? = nil, modulePaths: [String] = [], moduleSections: ModuleSectionsSnapshot = .init(),
        procModules: ProcModulesSnapshot = .init(), kaslrOffset: UInt64? = nil, architecture: Architecture? = nil,
        kallsymsMode: KallsymsMode? = nil
    ) {
        self.vmlinuxPath = vmlinuxPath
        self.modulePaths = modulePaths
        self.moduleSections = moduleSections
        self.procModules = procModules
        self.kaslrOffset = kaslrOffset
        self.architecture = architecture
        self.kallsymsMode = kallsymsMode
    }
}

/// What the symbolizer learned from one report's lines before a frame: the
/// architecture, the kallsyms mode, the KASLR offset.
public struct ReportContext: Sendable {
    public var architecture: Architecture?
    public var kallsymsMode: KallsymsMode?
    /// Why the mode was chosen (`"--kallsyms-mode"`, `"odd PC offset in a Thumb function"`, `"release 4.19"`).
    public var kallsymsModeEvidence: String?
    /// How strong that evidence is; weaker evidence never replaces stronger.
    public var kallsymsModeStrength: KallsymsEvidence = .none
    public var kaslrOffset: UInt64?
    public var kernelRelease: String?
    /// Whether x86-64 modules are relocated by ksymbolize one CU at a time
    /// (default) instead of whole by libdwfl (`KSYMBOLIZE_LIBDWFL_RELOCATION=1`
    /// in the environment turns it off, for comparison).
    public var lazyModuleRelocation = getenv("KSYMBOLIZE_LIBDWFL_RELOCATION") == nil

    public init() {}
}

/// How sure ksymbolize is of a report's kallsyms mode, weakest first.
public enum KallsymsEvidence: Int, Comparable, Sendable {
    case none
    /// The kernel release (< 5.0 is raw); backports and patched kernels exist.
    case release
    /// A register-dump PC printed at an odd (raw) or even (fixed) offset in a Thumb function.
    case programCounterParity
    /// A frame printing a raw address and `func+off` whose arithmetic fits only one mode.
    case addressArithmetic
    /// `--kallsyms-mode`, or a caller that decided.
    case given

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
