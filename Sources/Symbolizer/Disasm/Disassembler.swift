internal import CCapstone
import ArchFixups

/// One decoded instruction.
public struct Instruction: Sendable, Equatable {
    public var address: UInt64
    public var bytes: [UInt8]
    /// `mov` (or `.byte` where nothing decodes).
    public var mnemonic: String
    /// `0x28(%rdi), %eax`.
    public var operands: String
    /// Whether the bytes decoded as an instruction.
    public var decoded: Bool

    /// `mov 0x28(%rdi),%eax`-style text: mnemonic, a blank, the operands.
    public var text: String { operands.isEmpty ? mnemonic : mnemonic + " " + operands }
}

#if canImport(Glibc)
    import Glibc
#endif

/// libcapstone's entry points, loaded on first use (`libcapstone.so.4`, Debian's `libcapstone4`).
private struct CapstoneLibrary: @unchecked Sendable {
    typealias Open = @convention(c) (cs_arch, cs_mode, UnsafeMutablePointer<csh>?) -> cs_err
    typealias Option = @convention(c) (csh, cs_opt_type, Int) -> cs_err
    typealias Disasm =
        @convention(c) (csh, UnsafePointer<UInt8>?, Int, UInt64, Int, UnsafeMutablePointer<UnsafeMutablePointer<cs_insn>?>?)
        -> Int
    typealias Free = @convention(c) (UnsafeMutablePointer<cs_insn>?, Int) -> Void
    typealias Close = @convention(c) (UnsafeMutablePointer<csh>?) -> cs_err

    let open: Open
    let option: Option
    let disasm: Disasm
    let free: Free
    let close: Close

    /// `nil` when the library or one of its symbols is missing.
    static let shared: CapstoneLibrary? = {
        guard let library = dlopen("libcapstone.so.4", RTLD_NOW | RTLD_LOCAL) ?? dlopen("libcapstone.so", RTLD_NOW | RTLD_LOCAL),
            let open = dlsym(library, "cs_open"), let option = dlsym(library, "cs_option"),
            let disasm = dlsym(library, "cs_disasm"), let free = dlsym(library, "cs_free"), let close = dlsym(library, "cs_close")
        else { return nil }
        return CapstoneLibrary(
            open: unsafeBitCast(open, to: Open.self), option: unsafeBitCast(option, to: Option.self),
            disasm: unsafeBitCast(disasm, to: Disasm.self), free: unsafeBitCast(free, to: Free.self),
            close: unsafeBitCast(close, to: Close.self))
    }()
}

/// Capstone behind a value type: decodes bytes of one instruction set.
///
/// x86 is printed in AT&T syntax, as objdump and `scripts/decodecode` do.
/// A handle is opened per call: capstone handles are not shared between threads.
public struct Disassembler: Sendable {
    public let instructionSet: InstructionSet
    public let littleEndian: Bool

    /// Whether libcapstone could be loaded.
    public static var isAvailable: Bool { CapstoneLibrary.shared != nil }

    /// `nil` when capstone cannot decode this instruction set (RISC-V in capstone 4) or is not installed.
    public init?(instructionSet: InstructionSet, littleEndian: Bool) {
        guard Self.mode(instructionSet, littleEndian: littleEndian) != nil, Self.isAvailable else { return nil }
        self.instructionSet = instructionSet
        self.littleEndian = littleEndian
    }

    /// Bytes an undecodable stretch is skipped by: the smallest instruction.
    public var unit: Int {
        switch instructionSet {
        case .x86_64, .i386: return 1
        case .thumb, .s390x, .riscv: return 2
        default: return 4
        }
    }

    private static func mode(_ set: InstructionSet, littleEndian: Bool) -> (cs_arch, cs_mode)? {
        let endian = littleEndian ? CS_MODE_LITTLE_ENDIAN : CS_MODE_BIG_ENDIAN
        switch set {
        case .x86_64: return (CS_ARCH_X86, CS_MODE_64)
        case .i386: return (CS_ARCH_X86, CS_MODE_32)
        case .arm: return (CS_ARCH_ARM, cs_mode(CS_MODE_ARM.rawValue | endian.rawValue))
        case .thumb: return (CS_ARCH_ARM, cs_mode(CS_MODE_THUMB.rawValue | endian.rawValue))
        case .arm64: return (CS_ARCH_ARM64, endian)
        case .powerpc64: return (CS_ARCH_PPC, cs_mode(CS_MODE_64.rawValue | endian.rawValue))
        case .powerpc: return (CS_ARCH_PPC, cs_mode(CS_MODE_32.rawValue | endian.rawValue))
        case .mips64: return (CS_ARCH_MIPS, cs_mode(CS_MODE_MIPS64.rawValue | endian.rawValue))
        case .mips: return (CS_ARCH_MIPS, cs_mode(CS_MODE_MIPS32.rawValue | endian.rawValue))
        case .s390x: return (CS_ARCH_SYSZ, CS_MODE_BIG_ENDIAN)
        case .riscv: return nil
        }
    }

    /// Decodes `bytes` as code at `address`, in order; a stretch that does
    /// not decode becomes `.byte` entries of one ``unit`` each.
    public func disassemble(_ bytes: [UInt8], at address: UInt64) -> [Instruction] {
        guard let (arch, mode) = Self.mode(instructionSet, littleEndian: littleEndian), let capstone = CapstoneLibrary.shared
        else { return [] }
        var handle: csh = 0
        guard capstone.open(arch, mode, &handle) == CS_ERR_OK else { return [] }
        defer { _ = capstone.close(&handle) }
        if instructionSet == .x86_64 || instructionSet == .i386 {
            _ = capstone.option(handle, CS_OPT_SYNTAX, Int(CS_OPT_SYNTAX_ATT.rawValue))
        }
        var result: [Instruction] = []
        var offset = 0
        while offset < bytes.count {
            var decoded: UnsafeMutablePointer<cs_insn>?
            let count = bytes.withUnsafeBufferPointer { buffer in
                capstone.disasm(handle, buffer.baseAddress! + offset, buffer.count - offset, address &+ UInt64(offset), 0, &decoded)
            }
            if let decoded {
                for index in 0..<count {
                    let instruction = decoded[index]
                    let size = Int(instruction.size)
                    result.append(
                        Instruction(
                            address: instruction.address, bytes: Array(bytes[offset..<(offset + size)]),
                            mnemonic: Self.string(instruction.mnemonic), operands: Self.string(instruction.op_str), decoded: true))
                    offset += size
                }
                capstone.free(decoded, count)
            }
            guard offset < bytes.count else { break }
            // Not decodable here: one unit as data (an s390 instruction's own
            // length, which its first two bits give), then go on.
            var length = unit
            if instructionSet == .s390x {
                let kind = bytes[offset] >> 6
                length = kind == 0 ? 2 : kind == 3 ? 6 : 4
            }
            let end = min(offset + length, bytes.count)
            let data = Array(bytes[offset..<end])
            result.append(
                Instruction(
                    address: address &+ UInt64(offset), bytes: data, mnemonic: ".byte",
                    operands: data.map { "0x" + hex(UInt64($0)) }.joined(separator: ", "), decoded: false))
            offset = end
        }
        return result
    }

    private static func string<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
