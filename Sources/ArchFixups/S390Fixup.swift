/// s390x rules: instructions are 2, 4 or 6 bytes long and always even, so a
/// return address is looked up two bytes back (still inside the call).
public struct S390Fixup: ArchFixup {
    public init() {}

    public var architecture: Architecture { .s390x }

    /// The 6.1 module loader puts 0x1f8 bytes of its own before `.text` (seen on Debian's kernel).
    public var canPlaceModuleFromBase: Bool { false }

    public func callSiteAddress(forReturnAddress address: UInt64) -> UInt64 {
        address >= 2 ? address - 2 : 0
    }
}

// Machine code: `Krnl Code:` lines, `Krnl GPRS:` registers, `disp(index,base)` operands.
extension S390Fixup {
    public var codeDumpStyle: CodeDumpStyle { .s390KernelCode }
    public var registerDumpStyle: RegisterDumpStyle { .s390GPRS }

    public func instructionSet(thumb: Bool) -> InstructionSet? { .s390x }

    /// %r0–%r15.
    public func dwarfRegister(named name: String) -> Int? {
        var register = name.lowercased()
        if register.hasPrefix("%") { register.removeFirst() }
        guard register.hasPrefix("r"), let number = Int(register.dropFirst()), (0...15).contains(number) else { return nil }
        return number
    }

    public func memoryOperand(in operands: String) -> MemoryOperand? {
        OperandSyntax.parenthesized(operands, baseLast: true)
    }

    public func accessesMemory(mnemonic: String) -> Bool { !mnemonic.hasPrefix("la") }

    /// Static keys (6-byte branches), ftrace's call sites and alternatives.
    public var patchSiteTables: [PatchSiteTable] {
        [
            PatchSiteTable(section: "__jump_table", entrySizes: [16], encoding: .relative32, length: 6, bounds: ("__start___jump_table", "__stop___jump_table")),
            PatchSiteTable(section: "__mcount_loc", entrySizes: [8], encoding: .absolute, length: 6, bounds: ("__start_mcount_loc", "__stop_mcount_loc")),
            PatchSiteTable(section: ".altinstructions", entrySizes: [12, 14], encoding: .relative32, length: 6),
        ]
    }

    /// R_390_64 and PC64 write 8 bytes; the rest 2 to 4 inside one instruction.
    public func relocatedBytes(type: UInt32, offset: UInt64) -> Range<UInt64> {
        type == 22 || type == 23 ? offset..<(offset + 8) : offset..<(offset + 4)
    }
}
