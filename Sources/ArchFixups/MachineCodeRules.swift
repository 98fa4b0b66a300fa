/// A table of code addresses the kernel patches at run time (alternatives,
/// static keys, ftrace call sites, return thunks…): where the bytes the
/// crashed kernel ran may differ from the binary's without it being another build.
public struct PatchSiteTable: Sendable, Equatable {
    /// How an entry names its code address.
    public enum Encoding: Sendable, Equatable {
        /// A 32-bit signed offset from the field itself (`.long 1b - .`).
        case relative32
        /// A pointer (4 or 8 bytes, the binary's class).
        case absolute
    }

    /// The section's name.
    public var section: String
    /// Entry sizes to try, in order (the first that divides the section size);
    /// the field is at the start of each entry.
    public var entrySizes: [Int]
    public var encoding: Encoding
    /// Bytes the kernel may rewrite from the site on (at least; the binary's
    /// instruction there counts too).
    public var length: Int
    /// Where vmlinux's linker script merges the table into another section:
    /// the symbols that bound it (`__start_mcount_loc`, `__stop_mcount_loc`).
    public var bounds: (start: String, stop: String)?

    public init(section: String, entrySizes: [Int], encoding: Encoding, length: Int, bounds: (String, String)? = nil) {
        self.section = section
        self.entrySizes = entrySizes
        self.encoding = encoding
        self.length = length
        self.bounds = bounds.map { (start: $0.0, stop: $0.1) }
    }

    public static func == (lhs: PatchSiteTable, rhs: PatchSiteTable) -> Bool {
        lhs.section == rhs.section && lhs.entrySizes == rhs.entrySizes && lhs.encoding == rhs.encoding
            && lhs.length == rhs.length && lhs.bounds?.start == rhs.bounds?.start && lhs.bounds?.stop == rhs.bounds?.stop
    }
}

/// What an architecture's oopses print of its machine state, and how its
/// code reads: the code dump and register dump styles, the DWARF numbers of
/// its registers, its disassembler's operand syntax, and the code the kernel
/// patches at run time. Every rule has a default; an architecture's fixup
/// overrides what differs.
public protocol MachineCodeRules: Sendable {
    /// How `Code:` (or its relative) is printed. Default: ``CodeDumpStyle/parenthesizedUnits``.
    var codeDumpStyle: CodeDumpStyle { get }

    /// How the register dump is printed. Default: ``RegisterDumpStyle/namedPairs``.
    var registerDumpStyle: RegisterDumpStyle { get }

    /// The DWARF register number (`DW_OP_reg<n>`) of a register as the
    /// kernel's dump or the disassembler names it (`RDI`, `%rdi`, `edi`,
    /// `r9`, `fp`, `x0`, `w0`, `GPR03`, `$4`, `$a0`, `%r2`); `nil` for a name
    /// that is no general-purpose register (`EFLAGS`, `CR2`, `pc` on arm64).
    func dwarfRegister(named name: String) -> Int?

    /// The instruction set to decode code in: `thumb` when the code is
    /// Thumb (32-bit ARM only). `nil` when there is none ksymbolize decodes.
    func instructionSet(thumb: Bool) -> InstructionSet?

    /// The memory operand in a disassembled instruction's operand text, when it has one.
    func memoryOperand(in operands: String) -> MemoryOperand?

    /// Whether an instruction with this mnemonic accesses the memory its operand names
    /// (`lea` and prefetches do not). Default: yes.
    func accessesMemory(mnemonic: String) -> Bool

    /// The code the kernel patches at run time, by the sections that list it.
    var patchSiteTables: [PatchSiteTable] { get }

    /// The bytes a relocation of this type rewrites, from its offset.
    /// Default: 4; fixed-width instruction sets round to the instruction.
    func relocatedBytes(type: UInt32, offset: UInt64) -> Range<UInt64>
}

extension MachineCodeRules {
    public var codeDumpStyle: CodeDumpStyle { .parenthesizedUnits }
    public var registerDumpStyle: RegisterDumpStyle { .namedPairs }
    public func dwarfRegister(named name: String) -> Int? { nil }
    public func instructionSet(thumb: Bool) -> InstructionSet? { nil }
    public func memoryOperand(in operands: String) -> MemoryOperand? { nil }
    public func accessesMemory(mnemonic: String) -> Bool { true }
    public var patchSiteTables: [PatchSiteTable] { [] }
    public func relocatedBytes(type: UInt32, offset: UInt64) -> Range<UInt64> { offset..<(offset + 4) }
}

/// Operand syntaxes the architectures' disassemblers share.
public enum OperandSyntax {
    /// `disp(base)` or `disp(base,index[,scale])`, as AT&T x86, powerpc,
    /// MIPS and s390 print it; `index,base` order for s390 (`0(%r1,%r11)`).
    public static func parenthesized(_ operands: String, baseLast: Bool = false) -> MemoryOperand? {
        guard let open = operands.lastIndex(of: "("), let close = operands[open...].firstIndex(of: ")") else { return nil }
        let inside = operands[operands.index(after: open)..<close].split(separator: ",").map {
            $0.trimmingCharacters(in: " ")
        }
        guard let firstRegister = inside.first else { return nil }
        let base = baseLast && inside.count > 1 ? inside[1] : firstRegister
        guard !base.isEmpty else { return nil }
        // The displacement: what comes before "(", after the previous operand or a segment.
        var before = operands[..<open]
        if let cut = before.lastIndex(where: { $0 == "," || $0 == ":" || $0 == " " }) {
            before = before[before.index(after: cut)...]
        }
        let displacement = before.isEmpty ? 0 : parseInteger(before)
        guard let displacement else { return nil }
        return MemoryOperand(
            base: strip(base), displacement: displacement, indexed: inside.count > 1 && !(baseLast && inside[0] == "0"))
    }

    /// `[base]`, `[base, #disp]`, `[base, #disp]!` or `[base, index…]`, as ARM and arm64 print it.
    public static func bracketed(_ operands: String) -> MemoryOperand? {
        guard let open = operands.firstIndex(of: "["), let close = operands[open...].firstIndex(of: "]") else { return nil }
        let inside = operands[operands.index(after: open)..<close].split(separator: ",").map {
            $0.trimmingCharacters(in: " ")
        }
        guard let base = inside.first, !base.isEmpty else { return nil }
        guard inside.count > 1 else { return MemoryOperand(base: base, displacement: 0) }
        let second = inside[1]
        if second.hasPrefix("#"), let displacement = parseInteger(second.dropFirst()) {
            return MemoryOperand(base: base, displacement: displacement)
        }
        return MemoryOperand(base: base, displacement: 0, indexed: true)
    }

    /// `0x28`, `-0x28`, `40`, `-8`.
    public static func parseInteger<S: StringProtocol>(_ text: S) -> Int64? {
        var body = Substring(text.trimmingCharacters(in: " "))
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        let magnitude: UInt64?
        if body.hasPrefix("0x") {
            magnitude = UInt64(body.dropFirst(2), radix: 16)
        } else {
            magnitude = UInt64(body)
        }
        guard let magnitude, magnitude <= UInt64(Int64.max) else { return nil }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// `%rdi` → `rdi`, `$a0` stays (MIPS names keep their `$`).
    static func strip(_ register: String) -> String {
        register.hasPrefix("%") ? String(register.dropFirst()) : register
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
