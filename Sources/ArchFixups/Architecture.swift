/// The processor architectures whose kernel logs and binaries ksymbolize knows.
///
/// Raw values are the names users pass to `--arch` and the names that appear
/// in JSON output.
public enum Architecture: String, Sendable, CaseIterable, Codable {
    case x86_64
    case i386
    case arm
    case arm64
    case riscv64
    case riscv32
    case powerpc64
    case powerpc64le
    case powerpc
    case s390x
    case mips
    case mips64

    /// Accepts the common spellings users type (`aarch64`, `amd64`, `armhf`, `ppc64le`…).
    public init?(name: String) {
        let lowered = name.lowercased()
        if let exact = Architecture(rawValue: lowered) {
            self = exact
            return
        }
        switch lowered {
        case "amd64", "x86-64", "x64": self = .x86_64
        case "x86", "i686", "i586", "i486", "ia32": self = .i386
        case "aarch64": self = .arm64
        case "armhf", "armel", "armv7", "armv7l", "thumb2", "thumb": self = .arm
        case "ppc64": self = .powerpc64
        case "ppc64le", "ppc64el": self = .powerpc64le
        case "ppc", "powerpc32": self = .powerpc
        case "s390": self = .s390x
        case "mipsel": self = .mips
        case "mips64el": self = .mips64
        case "riscv": self = .riscv64
        default: return nil
        }
    }

    /// The architecture of an ELF file, from its `e_machine` and class.
    ///
    /// - Parameters:
    ///   - elfMachine: `e_machine` (for example 62 for `EM_X86_64`, 40 for `EM_ARM`).
    ///   - is64Bit: `true` for `ELFCLASS64`.
    ///   - littleEndian: `true` for `ELFDATA2LSB`.
    public init?(elfMachine: UInt16, is64Bit: Bool, littleEndian: Bool) {
        switch elfMachine {
        case 62: self = .x86_64
        case 3: self = .i386
        case 40: self = .arm
        case 183: self = .arm64
        case 243: self = is64Bit ? .riscv64 : .riscv32
        case 21: self = littleEndian ? .powerpc64le : .powerpc64
        case 20: self = .powerpc
        case 22: self = .s390x
        case 8: self = is64Bit ? .mips64 : .mips
        default: return nil
        }
    }

    /// Width of a kernel pointer in bytes.
    public var pointerSize: Int {
        switch self {
        case .i386, .arm, .riscv32, .powerpc, .mips: return 4
        default: return 8
        }
    }

    /// The hooks that hold this architecture's rules.
    public var fixups: any ArchFixup {
        switch self {
        case .arm: return ThumbFixup()
        case .arm64: return AArch64Fixup()
        case .x86_64, .i386: return X86Fixup(architecture: self)
        case .powerpc64, .powerpc64le, .powerpc: return PowerPCFixup(architecture: self)
        case .mips, .mips64: return MIPSFixup(architecture: self)
        case .riscv64, .riscv32: return RISCVFixup(architecture: self)
        case .s390x: return S390Fixup()
        }
    }
}
