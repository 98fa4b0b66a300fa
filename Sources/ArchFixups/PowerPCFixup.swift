/// PowerPC rules.
///
/// - ppc64 ELFv1 (big-endian): function symbols in `.opd` point at function
///   descriptors, whose first word is the code address; dot-symbols
///   (`.func`) name the code itself. ``functionDescriptorSection`` names
///   `.opd` so the symbol index reads the descriptors.
/// - ppc64 ELFv2 (little-endian): `st_other` bits 5–7 encode the distance from
///   the global to the local entry point; both belong to the function.
/// - Instructions are 4 bytes: the call is at `lr - 4`.
public struct PowerPCFixup: ArchFixup {
    public let architecture: Architecture

    public init(architecture: Architecture) {
        self.architecture = architecture
    }

    public var functionDescriptorSection: String? {
        architecture == .powerpc64 ? ".opd" : nil
    }

    public func localEntryOffset(of symbol: RawSymbol) -> UInt64 {
        guard architecture == .powerpc64le, symbol.type == .function else { return 0 }
        // PPC64_LOCAL_ENTRY_OFFSET: ((1 << bits) >> 2) << 2, bits = (st_other >> 5) & 7
        let bits = (symbol.other >> 5) & 7
        switch bits {
        case 0, 1: return 0
        case 7: return 0
        default: return UInt64((1 << Int(bits)) >> 2) << 2
        }
    }

    /// ppc64's loader adds `.stubs` (branch stubs, sized at load) and TOC handling among the sections.
    public var canPlaceModuleFromBase: Bool { architecture == .powerpc }

    /// KASLR is rare on 32-bit powerpc (book3e only).
    public var kernelUsuallyAtLinkAddress: Bool { architecture == .powerpc }

    /// Below `PAGE_OFFSET`: 0xc000000000000000 on ppc64, 0xc0000000 on ppc32.
    public func isUserAddress(_ address: UInt64) -> Bool {
        architecture == .powerpc ? address < 0xc000_0000 : address < 0xc000_0000_0000_0000
    }

    public func callSiteAddress(forReturnAddress address: UInt64) -> UInt64 {
        address >= 4 ? address - 4 : 0
    }
}

// Machine code: `Instruction dump:` words, `GPR00:` registers, `disp(rN)` operands.
extension PowerPCFixup {
    public var codeDumpStyle: CodeDumpStyle { .powerpcInstructionDump }
    public var registerDumpStyle: RegisterDumpStyle { .powerpcGPR }

    public func instructionSet(thumb: Bool) -> InstructionSet? { architecture == .powerpc ? .powerpc : .powerpc64 }

    /// GPR00–GPR31 as the dump prints them, r0–r31 as the disassembler does.
    public func dwarfRegister(named name: String) -> Int? {
        let register = name.lowercased()
        let digits = register.hasPrefix("gpr") ? register.dropFirst(3) : register.hasPrefix("r") ? register.dropFirst() : ""
        guard let number = Int(digits), (0...31).contains(number) else { return nil }
        return number
    }

    public func memoryOperand(in operands: String) -> MemoryOperand? { OperandSyntax.parenthesized(operands) }

    public func accessesMemory(mnemonic: String) -> Bool { !mnemonic.hasPrefix("dcb") }

    /// Static keys and ftrace's call sites.
    public var patchSiteTables: [PatchSiteTable] {
        let wide = architecture != .powerpc
        return [
            PatchSiteTable(section: "__jump_table", entrySizes: [wide ? 16 : 12], encoding: .relative32, length: 4, bounds: ("__start___jump_table", "__stop___jump_table")),
            PatchSiteTable(section: "__mcount_loc", entrySizes: [wide ? 8 : 4], encoding: .absolute, length: 4, bounds: ("__start_mcount_loc", "__stop_mcount_loc")),
            PatchSiteTable(section: "__patchable_function_entries", entrySizes: [wide ? 8 : 4], encoding: .absolute, length: 8),
        ]
    }

    /// R_PPC64_ADDR64 and REL64 write 8 bytes, and R_PPC64_ENTRY lets the
    /// loader rewrite the two-instruction TOC setup; the rest (part of) one instruction.
    public func relocatedBytes(type: UInt32, offset: UInt64) -> Range<UInt64> {
        if type == 38 || type == 44 || type == 118 { return offset..<(offset + 8) }
        let start = offset & ~3
        return start..<(start + 4)
    }
}
