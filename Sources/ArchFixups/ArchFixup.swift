/// One architecture's rules for turning symbol values and logged addresses
/// into the addresses of instructions, as the kernel itself does.
///
/// Every hook has a default that changes nothing; an architecture overrides
/// only the hooks where it differs. All hooks are *views*: they compute a
/// value from the raw ELF data and never modify what relocation reads (the
/// same rule the kernel follows with `kallsyms_symbol_value()`).
public protocol ArchFixup: MachineCodeRules, Sendable {
    /// The architecture these rules are for.
    var architecture: Architecture { get }

    /// The value kallsyms shows for a symbol: what the kernel adds the printed
    /// `+off` to, and what `/proc/kallsyms` lists (relative to the symbol's
    /// section for a `.ko`).
    ///
    /// Applies to every symbol the kernel reads through kallsyms. Default: the
    /// raw `st_value`. Thumb-2 with ``KallsymsMode/fixed`` clears bit 0 of
    /// `STT_FUNC` values.
    func kallsymsValue(of symbol: RawSymbol, mode: KallsymsMode) -> UInt64

    /// The address of the first instruction of a symbol: what DWARF and the
    /// disassembly call the function's start.
    ///
    /// Applies to function symbols when building the address → function index.
    /// Default: the raw value. Thumb clears bit 0; ppc64 ELFv1 would need the
    /// `.opd` descriptor resolved first (see ``functionDescriptorSection``).
    func codeAddress(of symbol: RawSymbol) -> UInt64

    /// Strips bits from a code address taken from a register or a stack that
    /// are not part of the instruction's address: the Thumb bit on ARM,
    /// pointer-authentication bits on arm64, the ISA bit on MIPS16/microMIPS.
    ///
    /// Applies to every raw address read from a log. Default: unchanged.
    func normalizeCodeAddress(_ address: UInt64) -> UInt64

    /// The address to look up for a return address so that the *call* is
    /// found, not the instruction after it (which may already belong to the
    /// next line, the next inline frame or — after a call to a `noreturn`
    /// function — the next function).
    ///
    /// Applies to return addresses and `lr` values, never to an exact PC.
    /// Default: `normalizeCodeAddress(address) - 1`.
    func callSiteAddress(forReturnAddress address: UInt64) -> UInt64

    /// Whether a symbol is an assembler mapping symbol (`$a`, `$t`, `$d`,
    /// `$x`…) that marks code/data regions instead of naming anything. Such
    /// symbols are never shown as a frame's function. Default: no.
    func isMappingSymbol(_ name: String) -> Bool

    /// The name of the section holding function descriptors whose symbols
    /// must be dereferenced to find code (ppc64 ELFv1 `.opd`), or `nil`.
    var functionDescriptorSection: String? { get }

    /// Offset from a function's global entry to its local entry point, encoded
    /// in `st_other` (ppc64 ELFv2). Calls within a module enter there, so
    /// kallsyms lookups of the local entry still belong to the function. Default: 0.
    func localEntryOffset(of symbol: RawSymbol) -> UInt64

    /// Whether the module loader puts a section in the init region, which is
    /// freed after `module_init` (so its symbols leave `/proc/kallsyms`).
    /// Default: names starting with `.init` (`module_init_section()`); ARM
    /// adds its unwind tables for init code.
    func isModuleInitSection(_ name: String) -> Bool

    /// The address to give the line table and scope lookups for an
    /// instruction of `function`. Default: the address. MIPS16 and microMIPS
    /// record their line-table addresses with the ISA bit set (the symbol
    /// values themselves are even; the mode is in `st_other`).
    func debugInfoAddress(_ address: UInt64, function: RawSymbol?) -> UInt64

    /// For relocation types that store `S + A` as a plain 4- or 8-byte value
    /// (what DWARF sections of an object use), the width in bytes; `nil` for
    /// every other type. ksymbolize applies these itself for machines whose
    /// backend libdw lacks (elfutils 0.188 has none for MIPS). Default: none.
    func absoluteRelocationWidth(type: UInt32) -> Int?

    /// The symbol index and the (primary) relocation type of an `r_info`
    /// as libelf returns it. Default: ELF64's `r_info >> 32` and low 32 bits
    /// (ELF32 values were widened the same way by gelf). MIPS64
    /// little-endian objects store `r_sym` in the low word and the type in
    /// the top byte; `nil` for a composite relocation ksymbolize does not apply.
    func relocationSymbolAndType(info: UInt64, littleEndian: Bool) -> (symbol: Int, type: UInt32)?

    /// The alignment the module loader gives a section, when the architecture
    /// changes it at load time (`module_frob_arch_sections()`): ARM and arm64
    /// align their PLT sections to the cache line. Default: the file's `sh_addralign`.
    func moduleSectionAlignment(name: String, fileAlignment: UInt64) -> UInt64

    /// Whether the module loader sizes a section at load time (ARM/arm64 PLTs,
    /// the arm64 ftrace trampoline), so that what follows it cannot be placed
    /// from the file alone. Default: no.
    func isModuleSectionSizedAtLoad(_ name: String) -> Bool

    /// How `WARNING: CPU: … at FILE:LINE func+off/size` locates the WARN:
    /// `true` where `WARN()` is a call to `warn_slowpath_fmt()` and the
    /// kernel prints that call's return address (`%pS` of
    /// `__builtin_return_address(0)`): 32-bit ARM (ARM and Thumb-2 alike)
    /// and MIPS, which have no `__WARN_FLAGS`. `false` (the default) where
    /// `__WARN_FLAGS` traps (x86, arm64, powerpc, s390, riscv, loongarch)
    /// and the printed address is the trapping instruction itself.
    var warnPrintsReturnAddress: Bool { get }

    /// Whether a code address can only be a user-space one (below where the
    /// kernel's and its modules' text can be): a register dump's PC printed
    /// without a symbol there is the interrupted user program, not a kernel
    /// frame. Default: `false` (s390 has separate address spaces: no split
    /// to tell them by).
    func isUserAddress(_ address: UInt64) -> Bool

    /// Whether vmlinux runs at its link-time addresses unless the log says
    /// otherwise: kernels of this architecture have no KASLR, or it is off
    /// in practice (32-bit ARM, 32-bit MIPS, 32-bit powerpc and riscv).
    /// Default: `false` (x86, arm64, ppc64, s390, mips64, riscv64 and i386
    /// randomize their base: a raw vmlinux address needs the offset).
    var kernelUsuallyAtLinkAddress: Bool { get }

    /// Whether a module's code sections can be placed from its `/proc/modules`
    /// base alone, in file order with the loader's alignments. Default:
    /// yes. No on s390 and ppc64, whose module loaders put code of their
    /// own (PLT entries, branch stubs) among the module's before `.text`.
    var canPlaceModuleFromBase: Bool { get }

    /// Exception entry points of this architecture after which the next
    /// stack entry is the interrupted instruction (an exact PC, not a
    /// return address). Default: none.
    var exceptionEntries: Set<String> { get }
}

extension ArchFixup {
    public func kallsymsValue(of symbol: RawSymbol, mode: KallsymsMode) -> UInt64 { symbol.value }
    public func codeAddress(of symbol: RawSymbol) -> UInt64 { symbol.value }
    public func normalizeCodeAddress(_ address: UInt64) -> UInt64 { address }
    public func callSiteAddress(forReturnAddress address: UInt64) -> UInt64 {
        let normalized = normalizeCodeAddress(address)
        return normalized == 0 ? 0 : normalized - 1
    }
    public func isMappingSymbol(_ name: String) -> Bool { false }
    public var functionDescriptorSection: String? { nil }
    public func localEntryOffset(of symbol: RawSymbol) -> UInt64 { 0 }
    public func isModuleInitSection(_ name: String) -> Bool { name.hasPrefix(".init") }
    public func debugInfoAddress(_ address: UInt64, function: RawSymbol?) -> UInt64 { address }
    public func absoluteRelocationWidth(type: UInt32) -> Int? { nil }
    public func relocationSymbolAndType(info: UInt64, littleEndian: Bool) -> (symbol: Int, type: UInt32)? {
        (Int(info >> 32), UInt32(truncatingIfNeeded: info))
    }
    public func moduleSectionAlignment(name: String, fileAlignment: UInt64) -> UInt64 { fileAlignment }
    public func isModuleSectionSizedAtLoad(_ name: String) -> Bool { false }
    public var warnPrintsReturnAddress: Bool { false }
    public func isUserAddress(_ address: UInt64) -> Bool { false }
    public var kernelUsuallyAtLinkAddress: Bool { false }
    public var exceptionEntries: Set<String> { [] }
    public var canPlaceModuleFromBase: Bool { true }

    /// The type letter `/proc/kallsyms` shows for a module symbol, computed
    /// the way `elf_type()` in `kernel/module/kallsyms.c` does (lower case;
    /// the kernel upper-cases it for exported symbols).
    ///
    /// - Parameter section: the traits of the section the symbol is defined in,
    ///   or `nil` for `SHN_UNDEF`, `SHN_ABS` and other reserved indexes.
    public func kallsymsTypeLetter(of symbol: RawSymbol, section: SectionTraits?) -> Character {
        if symbol.binding == .weak {
            return symbol.type == .object ? "v" : "w"
        }
        if symbol.isUndefined { return "U" }
        if symbol.isAbsolute { return "a" }
        if symbol.sectionIndex >= 0xff00 { return "?" }
        guard let section else { return "?" }
        if section.isExecutable { return "t" }
        if section.isAllocated && !section.isNoBits {
            return section.isWritable ? "d" : "r"
        }
        if section.isNoBits { return "b" }
        if section.name.hasPrefix(".debug") { return "n" }
        return "?"
    }

    /// Whether a symbol names something the symbolizer may show as the
    /// function of an address: defined, named, not a mapping symbol, not a
    /// section or file symbol.
    public func isNameableCodeSymbol(_ symbol: RawSymbol) -> Bool {
        guard !symbol.isUndefined, !symbol.name.isEmpty else { return false }
        switch symbol.type {
        case .section, .file, .tls: return false
        default: break
        }
        return !isMappingSymbol(symbol.name)
    }
}
