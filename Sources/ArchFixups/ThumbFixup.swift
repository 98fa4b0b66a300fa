/// ARM (32-bit) rules, for ARM-mode and Thumb-2 kernels alike.
///
/// - Thumb function symbols carry bit 0 in `st_value`; the instruction starts
///   at the even address. Relocation needs the raw value (it tells `BL` from
///   `BLX`), so the bit is only ever cleared in a view.
/// - kallsyms: Linux ≥ 5.0 clears bit 0 of `STT_FUNC` values when it reads a
///   module symbol (`kallsyms_symbol_value()` in `arch/arm/include/asm/module.h`);
///   older kernels did not (``KallsymsMode/raw``).
/// - Return addresses in Thumb code are odd; the call is at `(lr & ~1) - 1`.
/// - `$a`, `$t`, `$d` (optionally followed by `.suffix`) are mapping symbols.
/// - `WARN()` is a call, not a trap: the WARNING line prints a return address.
public struct ThumbFixup: ArchFixup {
    public init() {}

    public var architecture: Architecture { .arm }

    public func kallsymsValue(of symbol: RawSymbol, mode: KallsymsMode) -> UInt64 {
        switch mode {
        case .fixed: return symbol.type == .function ? symbol.value & ~1 : symbol.value
        case .raw: return symbol.value
        }
    }

    public func codeAddress(of symbol: RawSymbol) -> UInt64 {
        symbol.type == .function ? symbol.value & ~1 : symbol.value
    }

    public func normalizeCodeAddress(_ address: UInt64) -> UInt64 { address & ~1 }

    public func isMappingSymbol(_ name: String) -> Bool {
        MappingSymbols.isMapping(name, letters: "atd")
    }

    /// `module_init_section()` in `arch/arm/kernel/module.c`.
    public func isModuleInitSection(_ name: String) -> Bool {
        name.hasPrefix(".init") || name.hasPrefix(".ARM.extab.init") || name.hasPrefix(".ARM.exidx.init")
    }

    /// `module_frob_arch_sections()` aligns `.plt` and `.init.plt` to `L1_CACHE_BYTES` (64).
    public func moduleSectionAlignment(name: String, fileAlignment: UInt64) -> UInt64 {
        name == ".plt" || name == ".init.plt" ? max(fileAlignment, 64) : fileAlignment
    }

    /// PLTs get one entry per out-of-range branch target, counted at load.
    public func isModuleSectionSizedAtLoad(_ name: String) -> Bool {
        name == ".plt" || name == ".init.plt" || name == ".text.ftrace_trampoline"
    }

    /// `arch/arm/include/asm/bug.h` defines no `__WARN_FLAGS`: `WARN()` calls
    /// `warn_slowpath_fmt()` in ARM and Thumb-2 kernels alike.
    public var warnPrintsReturnAddress: Bool { true }

    /// No KASLR on 32-bit ARM.
    public var kernelUsuallyAtLinkAddress: Bool { true }

    /// `__irq_svc` and the other vectors of `arch/arm/kernel/entry-armv.S`.
    public var exceptionEntries: Set<String> {
        ["__irq_svc", "__dabt_svc", "__pabt_svc", "__und_svc", "__irq_usr", "__dabt_usr", "__pabt_usr", "__und_usr",
         "__fiq_svc", "__fiq_abt"]
    }

    /// Below the module area of the default 3G/1G split (`PAGE_OFFSET` − 16 MiB).
    public func isUserAddress(_ address: UInt64) -> Bool { address < 0xbf00_0000 }
}

/// Shared recognition of assembler mapping symbols (`$a`, `$t.1`, `$x`, `$d.foo`).
enum MappingSymbols {
    static func isMapping(_ name: String, letters: String) -> Bool {
        let utf8 = name.utf8
        guard utf8.count >= 2, utf8.first == UInt8(ascii: "$") else { return false }
        let letter = utf8[utf8.index(after: utf8.startIndex)]
        guard letters.utf8.contains(letter) else { return false }
        return utf8.count == 2 || utf8[utf8.index(utf8.startIndex, offsetBy: 2)] == UInt8(ascii: ".")
    }
}

// Machine code: `Code:` words (ARM) or halfwords (Thumb-2) in `(…)`, `r0`…`pc` registers.
extension ThumbFixup {
    public func instructionSet(thumb: Bool) -> InstructionSet? { thumb ? .thumb : .arm }

    /// r0–r15 and their APCS names (sb, sl, fp, ip, sp, lr, pc).
    public func dwarfRegister(named name: String) -> Int? {
        let register = name.lowercased()
        switch register {
        case "sb": return 9
        case "sl": return 10
        case "fp": return 11
        case "ip": return 12
        case "sp": return 13
        case "lr": return 14
        case "pc": return 15
        default: break
        }
        guard register.hasPrefix("r"), let number = Int(register.dropFirst()), (0...15).contains(number) else { return nil }
        return number
    }

    public func memoryOperand(in operands: String) -> MemoryOperand? { OperandSyntax.bracketed(operands) }

    public func accessesMemory(mnemonic: String) -> Bool { !mnemonic.hasPrefix("pld") && !mnemonic.hasPrefix("pli") }

    /// ftrace's `mcount` calls and static keys (absolute pointers: no relative jump labels on ARM).
    public var patchSiteTables: [PatchSiteTable] {
        [
            PatchSiteTable(section: "__mcount_loc", entrySizes: [4], encoding: .absolute, length: 4, bounds: ("__start_mcount_loc", "__stop_mcount_loc")),
            PatchSiteTable(section: "__jump_table", entrySizes: [12], encoding: .absolute, length: 4, bounds: ("__start___jump_table", "__stop___jump_table")),
            PatchSiteTable(section: "__patchable_function_entries", entrySizes: [4], encoding: .absolute, length: 4),
        ]
    }

    /// Every relocation ARM code uses rewrites (part of) one 4-byte instruction or word.
    public func relocatedBytes(type: UInt32, offset: UInt64) -> Range<UInt64> { offset..<(offset + 4) }
}
