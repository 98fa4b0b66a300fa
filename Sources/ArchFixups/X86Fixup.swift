/// x86-64 and i386 rules: symbol values are addresses; no ISA bits; a return
/// address is looked up one byte back (the call instruction's last byte).
public struct X86Fixup: ArchFixup {
    public let architecture: Architecture

    public init(architecture: Architecture = .x86_64) {
        self.architecture = architecture
    }

    /// x86-64: the lower canonical half; i386: below `PAGE_OFFSET` of the default 3G/1G split.
    public func isUserAddress(_ address: UInt64) -> Bool {
        architecture == .x86_64 ? address < 0x0000_8000_0000_0000 : address < 0xc000_0000
    }
}

// Machine code: `Code:` bytes, `RAX:`-style registers, AT&T operands (as objdump and decodecode print them).
extension X86Fixup {
    public var codeDumpStyle: CodeDumpStyle { .bytes }

    public func instructionSet(thumb: Bool) -> InstructionSet? { architecture == .x86_64 ? .x86_64 : .i386 }

    /// x86-64: rax rdx rcx rbx rsi rdi rbp rsp r8–r15 (with their 32/16/8-bit
    /// parts); i386: eax ecx edx ebx esp ebp esi edi.
    public func dwarfRegister(named name: String) -> Int? {
        var register = name.lowercased()
        if register.hasPrefix("%") { register.removeFirst() }
        if architecture == .i386 {
            switch register {
            case "eax", "ax": return 0
            case "ecx", "cx": return 1
            case "edx", "dx": return 2
            case "ebx", "bx": return 3
            case "esp", "sp": return 4
            case "ebp", "bp": return 5
            case "esi", "si": return 6
            case "edi", "di": return 7
            default: return nil
            }
        }
        switch register {
        case "rax", "eax", "ax", "al": return 0
        case "rdx", "edx", "dx", "dl": return 1
        case "rcx", "ecx", "cx", "cl": return 2
        case "rbx", "ebx", "bx", "bl": return 3
        case "rsi", "esi", "si", "sil": return 4
        case "rdi", "edi", "di", "dil": return 5
        case "rbp", "ebp", "bp", "bpl": return 6
        case "rsp", "esp", "sp", "spl": return 7
        default: break
        }
        if register.hasPrefix("r"), let number = Int(register.dropFirst().prefix { $0.isNumber }), (8...15).contains(number) {
            let suffix = register.dropFirst().drop { $0.isNumber }
            if suffix.isEmpty || suffix == "d" || suffix == "w" || suffix == "b" { return number }
        }
        return nil
    }

    public func memoryOperand(in operands: String) -> MemoryOperand? {
        OperandSyntax.parenthesized(operands)
    }

    public func accessesMemory(mnemonic: String) -> Bool {
        !(mnemonic.hasPrefix("lea") || mnemonic.hasPrefix("nop") || mnemonic.hasPrefix("prefetch"))
    }

    /// Alternatives, static keys, ftrace's `__fentry__` calls, return and
    /// retpoline thunks, static calls, paravirt sites, IBT seals and SMP lock prefixes.
    public var patchSiteTables: [PatchSiteTable] {
        let wide = architecture == .x86_64
        return [
            PatchSiteTable(
                section: ".altinstructions", entrySizes: [12, 14, 13], encoding: .relative32, length: 5,
                bounds: ("__alt_instructions", "__alt_instructions_end")),
            PatchSiteTable(
                section: "__jump_table", entrySizes: [wide ? 16 : 12], encoding: .relative32, length: 5,
                bounds: ("__start___jump_table", "__stop___jump_table")),
            PatchSiteTable(
                section: "__mcount_loc", entrySizes: [wide ? 8 : 4], encoding: .absolute, length: 5,
                bounds: ("__start_mcount_loc", "__stop_mcount_loc")),
            PatchSiteTable(section: ".return_sites", entrySizes: [4], encoding: .relative32, length: 5),
            PatchSiteTable(section: ".retpoline_sites", entrySizes: [4], encoding: .relative32, length: 6),
            PatchSiteTable(section: ".call_sites", entrySizes: [4], encoding: .relative32, length: 5),
            PatchSiteTable(
                section: ".static_call_sites", entrySizes: [8], encoding: .relative32, length: 5,
                bounds: ("__start_static_call_sites", "__stop_static_call_sites")),
            PatchSiteTable(section: ".ibt_endbr_seal", entrySizes: [4], encoding: .relative32, length: 4),
            PatchSiteTable(section: ".parainstructions", entrySizes: [wide ? 16 : 8], encoding: .absolute, length: 5),
            PatchSiteTable(section: ".smp_locks", entrySizes: [4], encoding: .relative32, length: 1),
            PatchSiteTable(section: "__patchable_function_entries", entrySizes: [wide ? 8 : 4], encoding: .absolute, length: 5),
        ]
    }

    /// R_X86_64_64 and R_X86_64_PC64 write 8 bytes; everything else a kernel uses, 4.
    public func relocatedBytes(type: UInt32, offset: UInt64) -> Range<UInt64> {
        architecture == .x86_64 && (type == 1 || type == 24) ? offset..<(offset + 8) : offset..<(offset + 4)
    }
}
