/// arm64 rules.
///
/// - `$x` and `$d` are mapping symbols.
/// - Return addresses saved with pointer authentication carry a signature in
///   the bits above the virtual-address size; the kernel's own unwinder strips
///   them (`ptrauth_strip_kernel_insn_pac`). Kernel addresses have those bits
///   set to one, so normalisation sets every bit above ``vaBits`` for an
///   address that looks like a kernel address.
public struct AArch64Fixup: ArchFixup {
    /// `CONFIG_ARM64_VA_BITS` of the crashed kernel (48 by default; 39, 42, 47, 52 exist).
    public var vaBits: Int

    public init(vaBits: Int = 48) {
        self.vaBits = vaBits
    }

    public var architecture: Architecture { .arm64 }

    public func normalizeCodeAddress(_ address: UInt64) -> UInt64 {
        guard vaBits > 0 && vaBits < 64 else { return address }
        let mask: UInt64 = ~((1 << UInt64(vaBits)) - 1)
        // Bit 55 selects the kernel (TTBR1) half even when PAC bits are present.
        if address & (1 << 55) != 0 {
            return address | mask
        }
        return address
    }

    public func callSiteAddress(forReturnAddress address: UInt64) -> UInt64 {
        // Every A64 instruction is 4 bytes: the BL is at lr - 4.
        let normalized = normalizeCodeAddress(address)
        return normalized >= 4 ? normalized - 4 : 0
    }

    public func isMappingSymbol(_ name: String) -> Bool {
        MappingSymbols.isMapping(name, letters: "xd")
    }

    /// The EL1 exception vectors (`el1h_64_irq`, and the older `el1_irq` names).
    public var exceptionEntries: Set<String> {
        ["el1h_64_irq", "el1h_64_sync", "el1h_64_error", "el1h_64_fiq", "el1_irq", "el1_sync", "el1_error"]
    }

    /// TTBR0 addresses: bit 55 clear.
    public func isUserAddress(_ address: UInt64) -> Bool { address & (1 << 55) == 0 }

    /// `module_frob_arch_sections()` aligns `.plt` and `.init.plt` to `L1_CACHE_BYTES` (64).
    public func moduleSectionAlignment(name: String, fileAlignment: UInt64) -> UInt64 {
        name == ".plt" || name == ".init.plt" ? max(fileAlignment, 64) : fileAlignment
    }

    /// PLTs get one entry per out-of-range branch target, counted at load.
    public func isModuleSectionSizedAtLoad(_ name: String) -> Bool {
        name == ".plt" || name == ".init.plt" || name == ".text.ftrace_trampoline"
    }
}

// Machine code: `Code:` words in `(…)`, `x0`…`x29` registers.
extension AArch64Fixup {
    public func instructionSet(thumb: Bool) -> InstructionSet? { .arm64 }

    /// x0–x30 (and w0–w30), fp (x29), lr (x30), sp (31).
    public func dwarfRegister(named name: String) -> Int? {
        let register = name.lowercased()
        switch register {
        case "fp": return 29
        case "lr": return 30
        case "sp": return 31
        default: break
        }
        guard let first = register.first, first == "x" || first == "w", let number = Int(register.dropFirst()),
            (0...30).contains(number)
        else { return nil }
        return number
    }

    public func memoryOperand(in operands: String) -> MemoryOperand? { OperandSyntax.bracketed(operands) }

    public func accessesMemory(mnemonic: String) -> Bool { !mnemonic.hasPrefix("prfm") }

    /// Alternatives, static keys, ftrace's patchable entries and mcount calls.
    public var patchSiteTables: [PatchSiteTable] {
        [
            PatchSiteTable(section: ".altinstructions", entrySizes: [12], encoding: .relative32, length: 4),
            PatchSiteTable(section: "__jump_table", entrySizes: [16], encoding: .relative32, length: 4, bounds: ("__start___jump_table", "__stop___jump_table")),
            PatchSiteTable(section: "__patchable_function_entries", entrySizes: [8], encoding: .absolute, length: 8, bounds: ("__start_mcount_loc", "__stop_mcount_loc")),
            PatchSiteTable(section: "__mcount_loc", entrySizes: [8], encoding: .absolute, length: 4, bounds: ("__start_mcount_loc", "__stop_mcount_loc")),
        ]
    }

    /// R_AARCH64_ABS64 and PREL64 write 8 bytes; the rest one instruction.
    public func relocatedBytes(type: UInt32, offset: UInt64) -> Range<UInt64> {
        type == 257 || type == 260 ? offset..<(offset + 8) : offset..<(offset + 4)
    }
}
