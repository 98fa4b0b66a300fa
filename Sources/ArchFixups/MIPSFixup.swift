/// MIPS rules.
///
/// - MIPS16e and microMIPS code is marked in `st_other` (`STO_MIPS16` 0xf0,
///   `STO_MICROMIPS` 0x80 under mask 0xc0); return addresses into it carry
///   the ISA bit (bit 0), and so do its line-table addresses, while DWARF
///   function ranges and (in objects) symbol values are even.
/// - Return addresses point past the delay slot: the call is at `ra - 8` in
///   classic MIPS. In compressed code the call and its delay slot are 2 or 4
///   bytes each; `(ra & ~1) - 4` lands inside the call for a 32-bit call with
///   a 16-bit slot (the common case) and for a 16-bit call with a 16-bit slot.
public struct MIPSFixup: ArchFixup {
    public let architecture: Architecture

    public init(architecture: Architecture) {
        self.architecture = architecture
    }

    public func codeAddress(of symbol: RawSymbol) -> UInt64 {
        symbol.type == .function ? symbol.value & ~1 : symbol.value
    }

    public func normalizeCodeAddress(_ address: UInt64) -> UInt64 { address & ~1 }

    /// 32-bit MIPS kernels run where they were linked in practice (mips64 randomizes: `RANDOMIZE_BASE`).
    public var kernelUsuallyAtLinkAddress: Bool { architecture == .mips }

    /// The exception handlers of `arch/mips/kernel/genex.S`: the stack entry
    /// after one is the interrupted instruction.
    public var exceptionEntries: Set<String> { ["handle_int", "handle_tlbl", "handle_tlbs", "handle_adel", "handle_ades"] }

    /// `useg`/`xuseg`: the lower half (kseg0 starts at 0x80000000, 64-bit kernel segments have bit 63 set).
    public func isUserAddress(_ address: UInt64) -> Bool {
        architecture == .mips64 ? address & (1 << 63) == 0 : address < 0x8000_0000
    }

    public func callSiteAddress(forReturnAddress address: UInt64) -> UInt64 {
        if address & 1 != 0 {
            let normalized = address & ~1
            return normalized >= 4 ? normalized - 4 : 0
        }
        return address >= 8 ? address - 8 : 0
    }

    /// Whether a symbol's code is MIPS16e or microMIPS.
    public static func isCompressed(_ symbol: RawSymbol) -> Bool {
        symbol.other & 0xf0 == 0xf0 || symbol.other & 0xc0 == 0x80 || (symbol.type == .function && symbol.value & 1 == 1)
    }

    /// MIPS64 `r_info` is `r_sym` (32 bits), `r_ssym`, `r_type3`, `r_type2`,
    /// `r_type` (a byte each) in the file's byte order: read as a
    /// little-endian number, `r_sym` is the low word and `r_type` the top
    /// byte. Only plain relocations (no second or third type) are applied.
    public func relocationSymbolAndType(info: UInt64, littleEndian: Bool) -> (symbol: Int, type: UInt32)? {
        guard architecture == .mips64 else { return (Int(info >> 32), UInt32(truncatingIfNeeded: info)) }
        if littleEndian {
            guard (info >> 40) & 0xffff == 0 else { return nil }
            return (Int(info & 0xffff_ffff), UInt32(info >> 56))
        }
        guard (info >> 8) & 0xffff == 0 else { return nil }
        return (Int(info >> 32), UInt32(info & 0xff))
    }

    /// `R_MIPS_32` (2) and `R_MIPS_64` (18).
    public func absoluteRelocationWidth(type: UInt32) -> Int? {
        switch type {
        case 2: return 4
        case 18: return 8
        default: return nil
        }
    }

    /// `arch/mips/include/asm/bug.h` defines no `__WARN_FLAGS`: `WARN()` calls `warn_slowpath_fmt()`.
    public var warnPrintsReturnAddress: Bool { true }

    public func debugInfoAddress(_ address: UInt64, function: RawSymbol?) -> UInt64 {
        guard let function, Self.isCompressed(function) else { return address }
        return address | 1
    }
}

// Machine code: `Code:` words in `<…>`, `$ 0   :` registers, `disp($reg)` operands.
extension MIPSFixup {
    public var codeDumpStyle: CodeDumpStyle { .angledWords }
    public var registerDumpStyle: RegisterDumpStyle { .mipsDollar }

    public func instructionSet(thumb: Bool) -> InstructionSet? { architecture == .mips64 ? .mips64 : .mips }

    /// o32 names of `$0`–`$31`, in order.
    private static let registerNames = [
        "zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7",
        "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "t8", "t9", "k0", "k1", "gp", "sp", "fp", "ra",
    ]

    /// `$0`–`$31` and their o32/n64 names (`$a0`, `$t0`, `$sp`, `$ra`…).
    public func dwarfRegister(named name: String) -> Int? {
        var register = name.lowercased()
        if register.hasPrefix("$") { register.removeFirst() }
        if let number = Int(register.trimmingCharacters(in: " ")), (0...31).contains(number) { return number }
        if let index = Self.registerNames.firstIndex(of: register) { return index }
        // n64 names for $8–$11, and s8 for $30.
        switch register {
        case "a4": return 8
        case "a5": return 9
        case "a6": return 10
        case "a7": return 11
        case "s8": return 30
        default: return nil
        }
    }

    public func memoryOperand(in operands: String) -> MemoryOperand? { OperandSyntax.parenthesized(operands) }

    public func accessesMemory(mnemonic: String) -> Bool { !mnemonic.hasPrefix("pref") && !mnemonic.hasPrefix("cache") }

    /// Static keys and ftrace's call sites (absolute pointers).
    public var patchSiteTables: [PatchSiteTable] {
        let wide = architecture == .mips64
        return [
            PatchSiteTable(section: "__jump_table", entrySizes: [wide ? 24 : 12], encoding: .absolute, length: 4, bounds: ("__start___jump_table", "__stop___jump_table")),
            PatchSiteTable(section: "__mcount_loc", entrySizes: [wide ? 8 : 4], encoding: .absolute, length: 8, bounds: ("__start_mcount_loc", "__stop_mcount_loc")),
        ]
    }

    /// R_MIPS_64 writes 8 bytes; the rest (part of) one instruction.
    public func relocatedBytes(type: UInt32, offset: UInt64) -> Range<UInt64> {
        if type == 18 { return offset..<(offset + 8) }
        let start = offset & ~3
        return start..<(start + 4)
    }
}
