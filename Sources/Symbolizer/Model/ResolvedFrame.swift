/// Why a frame could not be symbolized. A frame with a reason is still
/// printed; everything else in the log is still symbolized.
public enum UnresolvedReason: Error, Sendable, Equatable {
    /// No file for the module was found below the `--modules` paths.
    case moduleNotFound(String)
    /// The module file exists but could not be read.
    case moduleUnreadable(String, String)
    /// No vmlinux was given (`--vmlinux`) or it could not be read.
    case noVmlinux(String?)
    /// The symbol the kernel printed is not in the binary's symbol table.
    case symbolNotFound(String, binary: String)
    /// A raw address lies in no module section of the snapshot and not in vmlinux.
    case addressOutsideKnownSections(UInt64)
    /// A raw vmlinux address cannot be mapped without the KASLR offset.
    case kaslrOffsetUnknown
    /// A raw module address with no `--module-sections` (or `--proc-modules`) for it.
    case noSectionAddresses(String)
    /// The binary has no DWARF (or libdw could not read it).
    case noDebugInfo(String)
    /// DWARF has nothing for this address.
    case noLineInfo
    /// The log line has neither a usable address nor a symbol.
    case nothingToResolve
}

/// The function symbol ksymbolize found for a frame.
public struct ResolvedSymbol: Sendable, Hashable, Codable {
    public var name: String
    /// Address minus the function's first instruction.
    public var offset: UInt64
    /// `st_size`.
    public var size: UInt64
}

/// A frame with everything ksymbolize found out about it.
public struct ResolvedFrame: Sendable {
    public var frame: LogFrame
    /// The binary (`vmlinux` or module name), when known.
    public var module: String?
    /// The runtime address in the crashed kernel, when known.
    public var address: UInt64?
    /// The address that was looked up, in the crashed kernel's address space
    /// when known (call site for return addresses).
    public var lookupAddress: UInt64?
    public var symbol: ResolvedSymbol?
    /// Innermost first; empty when unresolved.
    public var locations: [SourceLocation]
    public var unresolved: UnresolvedReason?
    /// Why the binary is not the build the kernel ran, each proof once, the first found first.
    public var mismatches: [MismatchProof] = []
    /// Set when the kernel's kallsyms printed the wrong function or offset
    /// (pre-fix Thumb-2): what a fixed kernel prints.
    public var kallsymsCorrection: KallsymsCorrection?
    /// Set when the address or function was inferred (e.g. from `/proc/modules`).
    public var inferred: Inference?
    /// A return address at the start of the function the kernel printed:
    /// the call was the last instruction of the function before it (a call
    /// to a `noreturn` function), which ``symbol`` names.
    public var callSiteInPreviousFunction = false
    /// The source line of the innermost location from the kernel tree
    /// (`--kernel-source`), or why it has none; `nil` without a tree.
    public var source: SourceExcerpt?
    /// The instruction looked up, in the binary's own address space (see
    /// ``LoadedBinary``): where the machine-code analysis reads the binary.
    var sessionInstruction: UInt64?

    public init(frame: LogFrame) {
        self.frame = frame
        self.locations = []
    }

    /// Adds a proof to ``mismatches``: every disagreement is kept once, the first one found first.
    mutating func noteMismatch(_ proof: MismatchProof) {
        if !mismatches.contains(proof) { mismatches.append(proof) }
    }
}
