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
    /// Whether raw vmlinux addresses are taken as link-time addresses when
    /// nothing (``kaslrOffset``, ``kallsyms``, the log) gives an offset, as
    /// addr2line and llvm-symbolizer take them (`ksymbolize addr`). Logs
    /// keep the stricter rule: such a frame is unresolved.
    public var rawAddressesDefaultToLinkTime = false
    /// Overrides the architecture found in the binaries or the log.
    public var architecture: Architecture?
    /// Overrides the kallsyms mode found in the log.
    public var kallsymsMode: KallsymsMode?
    /// The crashed kernel's release (`-r`); otherwise taken from the log.
    /// Without `--vmlinux`/`--modules`, the binaries are looked for in the
    /// standard places for this release (see ``Symbolizer``).
    public var kernelRelease: String?
    /// Build ids of the crashed kernel's binaries (saved `/sys/kernel/notes`,
    /// `/sys/module/MOD/notes`): they choose among candidate files, find
    /// files by build id, and flag binaries that differ.
    public var buildIDs: BuildIDSnapshot = .init()
    /// Roots of `.build-id` trees for separate debug files and binaries by
    /// build id, searched before `/usr/lib/debug`.
    public var debugDirectories: [String] = []
    /// debuginfod servers (`--debuginfod`); `nil`: `DEBUGINFOD_URLS`.
    public var debuginfodURLs: String?
    /// Whether debuginfod servers may be asked for binaries found nowhere else.
    public var useDebuginfod = true
    /// Whether to read the running kernel's `/proc` and `/sys` (see ``LiveMode``).
    public var live: LiveMode = .auto
    /// Whether x86-64 modules are relocated by ksymbolize one CU at a time
    /// (default) instead of whole by libdwfl (`KSYMBOLIZE_LIBDWFL_RELOCATION=1`
    /// in the environment turns it off, for comparison).
    public var lazyModuleRelocation = getenv("KSYMBOLIZE_LIBDWFL_RELOCATION") == nil
    /// Which of ksymbolize's own DWARF readers are used instead of libdw's
    /// (the `KSYMBOLIZE_LIBDW_*` switches, for comparison; see ``DwarfReaderOptions``).
    public var dwarfReader: DwarfReaderOptions = .fromEnvironment

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

/// Whether ksymbolize reads `/proc/modules`, `/sys/module/*/sections`,
/// `/proc/kallsyms` and `/sys/kernel/notes` of the machine it runs on.
public enum LiveMode: String, Sendable, CaseIterable {
    /// When the log's kernel release is the running one and no snapshot
    /// (`--module-sections`, `--proc-modules`, `--kallsyms`) was given; every
    /// frame is still checked against the live data.
    case auto
    /// Always (`--live`).
    case on
    /// Never (`--no-live`).
    case off
}
