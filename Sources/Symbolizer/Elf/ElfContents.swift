import ArchFixups

/// The kind of ELF file (`e_type`).
public enum ElfKind: Sendable, Equatable {
    /// `ET_REL`: a kernel module (`.ko`), laid out by the module loader.
    case relocatable
    /// `ET_EXEC`: vmlinux of most kernels.
    case executable
    /// `ET_DYN`: a position-independent (relocatable) vmlinux, as arm64,
    /// ppc64, s390x, riscv64 and loongarch kernels may be linked. Its symbol
    /// values and DWARF addresses are link-time addresses, as in `ET_EXEC`.
    case dynamic
    /// Anything else (`ET_CORE`, OS- and processor-specific types).
    case other(UInt16)

    /// Whether a file of this type can be a kernel image (vmlinux): linked
    /// at fixed addresses, `ET_EXEC` or `ET_DYN`. One rule for every reader.
    public var isKernelImage: Bool { self == .executable || self == .dynamic }

    /// The `ET_*` name, for messages.
    public var elfTypeName: String {
        switch self {
        case .relocatable: return "ET_REL"
        case .executable: return "ET_EXEC"
        case .dynamic: return "ET_DYN"
        case .other(let type): return type == 4 ? "ET_CORE" : "e_type \(type)"
        }
    }
}

/// One section header of an ELF file, as a value.
public struct ElfSection: Sendable, Hashable {
    /// Index in the section header table (`st_shndx` of the symbols in it).
    public var index: UInt32
    public var name: String
    /// `sh_type` (1 `SHT_PROGBITS`, 8 `SHT_NOBITS`, …).
    public var type: UInt32
    /// `sh_flags`.
    public var flags: UInt64
    /// `sh_addr`: the link-time address (0 for every section of a `.ko`).
    public var address: UInt64
    public var size: UInt64
    public var alignment: UInt64

    public var isAllocated: Bool { flags & 0x2 != 0 }
    public var isExecutable: Bool { flags & 0x4 != 0 }
    public var isWritable: Bool { flags & 0x1 != 0 }
    public var isNoBits: Bool { type == 8 }

    /// The traits ArchFixups rules look at.
    public var traits: SectionTraits {
        SectionTraits(
            name: name, isAllocated: isAllocated, isExecutable: isExecutable, isWritable: isWritable,
            isNoBits: isNoBits)
    }
}

/// A loadable segment (`PT_LOAD`) of an executable.
public struct ElfSegment: Sendable, Hashable {
    public var virtualAddress: UInt64
    public var memorySize: UInt64
    public var alignment: UInt64
}

/// Everything ksymbolize reads from an ELF file's headers and symbol table,
/// copied into Swift values so that no C handle outlives the read.
public struct ElfContents: Sendable {
    public init(
        kind: ElfKind, machine: UInt16, is64Bit: Bool, littleEndian: Bool, sections: [ElfSection],
        segments: [ElfSegment], symbols: [RawSymbol], buildID: String?, modinfo: [String: String], hasDebugInfo: Bool,
        functionDescriptors: [UInt64: CodeLocation] = [:]
    ) {
        self.kind = kind
        self.machine = machine
        self.is64Bit = is64Bit
        self.littleEndian = littleEndian
        self.sections = sections
        self.segments = segments
        self.symbolTable = SymbolTable(symbols)
        self.buildID = buildID
        self.modinfo = modinfo
        self.hasDebugInfo = hasDebugInfo
        self.functionDescriptors = functionDescriptors
    }

    public var kind: ElfKind
    /// `e_machine`.
    public var machine: UInt16
    public var is64Bit: Bool
    public var littleEndian: Bool
    public var sections: [ElfSection]
    public var segments: [ElfSegment]
    /// `.symtab` (or `.dynsym` when there is no `.symtab`), in table order,
    /// raw, read in place (see ``SymbolTable``).
    public var symbolTable: SymbolTable
    /// Every symbol of ``symbolTable`` as values (for vmlinux this makes
    /// ~150,000 Strings: use ``symbolTable`` where one or a few will do).
    public var symbols: [RawSymbol] { symbolTable.all }
    /// The GNU build id, lower-case hex, when the file has one.
    public var buildID: String?
    /// `key=value` strings of `.modinfo` (modules only).
    public var modinfo: [String: String]
    /// Whether the file has a `.debug_info` section (compressed or not).
    public var hasDebugInfo: Bool
    /// Function descriptors (ppc64 ELFv1 `.opd`): descriptor offset within
    /// its section → where the code is. Empty on other ABIs.
    public var functionDescriptors: [UInt64: CodeLocation] = [:]

    /// A code address as a section and an offset in it (for `.ko`), or an
    /// absolute address (`sectionIndex` 0, for vmlinux).
    public struct CodeLocation: Sendable, Hashable {
        public var sectionIndex: UInt32
        public var offset: UInt64
    }

    /// The architecture, when ksymbolize knows it.
    public var architecture: Architecture? {
        Architecture(elfMachine: machine, is64Bit: is64Bit, littleEndian: littleEndian)
    }

    /// The architecture for messages: its name, or the ELF machine number,
    /// class and byte order of one ksymbolize does not know.
    public var machineDescription: String {
        if let architecture { return architecture.rawValue }
        return "e_machine \(machine), \(is64Bit ? "64" : "32")-bit \(littleEndian ? "little" : "big")-endian"
    }

    /// The module's own name as the kernel knows it (`.modinfo` `name=`), if any.
    public var moduleName: String? { modinfo["name"] }

    /// vmlinux's `linux_banner` (`Linux version 6.1.0-50-amd64 (…) #1 SMP …`), when it has one.
    public var kernelBanner: String?

    /// The kernel release the binary was built for: from `linux_banner` for
    /// vmlinux, from `vermagic=` for a module.
    public var kernelRelease: String? {
        if let banner = kernelBanner, banner.hasPrefix("Linux version ") {
            return Self.firstWord(banner.utf8.dropFirst("Linux version ".utf8.count))
        }
        return modinfo["vermagic"].flatMap { Self.firstWord($0.utf8[...]) }
    }

    /// The first space-separated word of a text (asked for every frame: bytes, not characters).
    private static func firstWord(_ text: Substring.UTF8View) -> String? {
        let word = text.drop { $0 == 0x20 }.prefix { $0 != 0x20 }
        return word.isEmpty ? nil : String(Substring(word))
    }

    /// The section with this index, if any.
    public func section(at index: UInt32) -> ElfSection? {
        let position = Int(index)
        guard position >= 0, position < sections.count, sections[position].index == index else {
            return sections.first { $0.index == index }
        }
        return sections[position]
    }
}

/// Reads ELF files into ``ElfContents``.
public enum ElfFile {
    /// The headers, symbols, build id and `.modinfo` of the file at `path`
    /// (`.ko.xz`/`.ko.gz` are decompressed).
    public static func contents(of path: String) throws(SymbolizerError) -> ElfContents {
        try ElfReader.read(path: path)
    }
}
