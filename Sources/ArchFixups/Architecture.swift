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

    /// The architecture a distribution's kernel release names
    /// (`6.1.0-50-amd64`, `4.9.3-200.fc25.x86_64`, `5.14.0-70.el9.aarch64`,
    /// `6.1.0-9-armmp`, `6.1.0-50-5kc-malta`, `6.1.21-v8+`); `nil` when it names none
    /// (`6.8.0-45-generic`, `6.1.0`).
    public init?(kernelRelease release: String) {
        // On the bytes for an ASCII release (every real one): it is read from every log.
        var release = release
        if let found = release.withUTF8({ Self.releaseArchitecture($0) }) {
            guard let architecture = found else { return nil }
            self = architecture
            return
        }
        let tokens = release.lowercased().split { $0 == "-" || $0 == "." || $0 == "+" || $0 == "~" }
        for token in tokens.reversed() {
            guard let architecture = Self.releaseTokens[String(token)] else { continue }
            self = architecture
            return
        }
        return nil
    }

    /// The architecture an ASCII release names (its last token that names one), `.some(nil)` for
    /// none; `nil` when the release is not ASCII.
    private static func releaseArchitecture(_ bytes: UnsafeBufferPointer<UInt8>) -> Architecture?? {
        guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
        func isSeparator(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "~")
        }
        var end = bytes.count
        while end > 0 {
            var start = end
            while start > 0, !isSeparator(bytes[start - 1]) { start -= 1 }
            // Tokens are a few letters: lowered into a small string, no allocation.
            if end - start <= 15 {
                let token = String(decoding: bytes[start..<end].lazy.map { $0 >= 0x41 && $0 <= 0x5a ? $0 | 0x20 : $0 }, as: UTF8.self)
                if let architecture = releaseTokens[token] { return .some(architecture) }
            }
            end = start - 1
        }
        return .some(nil)
    }

    /// The words of a distribution's kernel release that name an architecture (lower case).
    private static let releaseTokens: [String: Architecture] = {
        var table: [String: Architecture] = [:]
        for (words, architecture) in releaseWords {
            for word in words { table[word] = architecture }
        }
        return table
    }()

    private static let releaseWords: [([String], Architecture)] = [
        (["amd64", "x86_64"], .x86_64),
        (["686", "i686", "i586", "486", "pae"], .i386),
        (["arm64", "aarch64", "v8", "2712"], .arm64),
        (["armmp", "armv7hl", "armv7l", "armhf", "armel", "lpae", "v7", "v7l", "marvell", "rpi"], .arm),
        (["ppc64le", "ppc64el", "powerpc64le"], .powerpc64le),
        (["ppc64", "powerpc64"], .powerpc64),
        (["s390x"], .s390x),
        (["riscv64"], .riscv64),
        (["5kc", "octeon", "loongson", "mips64r2el", "mips64el", "mips64r6el"], .mips64),
        (["4kc", "mips32r2el", "mips32r6el"], .mips),
    ]

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

    /// The byte order of the usual kernels of this architecture (a binary's
    /// header says for sure): big-endian s390x, powerpc and ppc64 (ELFv1).
    public var isLittleEndianByDefault: Bool {
        switch self {
        case .s390x, .powerpc, .powerpc64: return false
        default: return true
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
