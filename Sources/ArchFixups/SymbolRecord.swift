/// The ELF symbol type (`STT_*`) of a symbol table entry.
public enum SymbolType: UInt8, Sendable, Codable {
    case notype = 0
    case object = 1
    case function = 2
    case section = 3
    case file = 4
    case common = 5
    case tls = 6
    case gnuIFunc = 10
    case other = 255

    /// Maps any `STT_*` value; unknown values become `.other`.
    public init(elfType: UInt8) {
        self = SymbolType(rawValue: elfType) ?? .other
    }
}

/// The ELF symbol binding (`STB_*`).
public enum SymbolBinding: UInt8, Sendable, Codable {
    case local = 0
    case global = 1
    case weak = 2
    case other = 255

    /// Maps any `STB_*` value; unknown values become `.other`.
    public init(elfBinding: UInt8) {
        self = SymbolBinding(rawValue: elfBinding) ?? .other
    }
}

/// What ArchFixups needs to know about the section a symbol is defined in.
public struct SectionTraits: Sendable, Hashable {
    /// `SHF_ALLOC`
    public var isAllocated: Bool
    /// `SHF_EXECINSTR`
    public var isExecutable: Bool
    /// `SHF_WRITE`
    public var isWritable: Bool
    /// `SHT_NOBITS` (`.bss`)
    public var isNoBits: Bool
    /// The section's name, for rules that go by name (`.debug*`, `.init*`).
    public var name: String

    public init(name: String, isAllocated: Bool, isExecutable: Bool, isWritable: Bool, isNoBits: Bool) {
        self.name = name
        self.isAllocated = isAllocated
        self.isExecutable = isExecutable
        self.isWritable = isWritable
        self.isNoBits = isNoBits
    }
}

/// One symbol table entry exactly as stored in the ELF file.
///
/// `value` is the raw `st_value`: section-relative in a `.ko` (ET_REL),
/// absolute in vmlinux; on Thumb-2 it carries bit 0 for functions. This is the
/// value relocation uses, so nothing ever changes it: ArchFixups computes
/// views of it instead.
public struct RawSymbol: Sendable, Hashable {
    public var name: String
    public var value: UInt64
    public var size: UInt64
    public var type: SymbolType
    public var binding: SymbolBinding
    /// `st_shndx`; `0` is `SHN_UNDEF`, values from `0xff00` are reserved (`SHN_ABS` is `0xfff1`).
    public var sectionIndex: UInt32
    /// `st_other`; on ppc64 ELFv2 it encodes the local entry point offset.
    public var other: UInt8

    public init(
        name: String, value: UInt64, size: UInt64, type: SymbolType, binding: SymbolBinding,
        sectionIndex: UInt32, other: UInt8 = 0
    ) {
        self.name = name
        self.value = value
        self.size = size
        self.type = type
        self.binding = binding
        self.sectionIndex = sectionIndex
        self.other = other
    }

    /// `SHN_UNDEF`
    public var isUndefined: Bool { sectionIndex == 0 }
    /// `SHN_ABS`
    public var isAbsolute: Bool { sectionIndex == 0xfff1 }
}
