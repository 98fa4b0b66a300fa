import ArchFixups

/// The code around a report's faulting instruction, disassembled.
public struct CodeListing: Sendable {
    /// Where the bytes come from.
    public enum Source: String, Sendable, Codable {
        /// The report's `Code:` line (or its relative).
        case log
        /// The binary's own bytes at the resolved PC (the log printed none).
        case binary
    }

    public var source: Source
    public var instructionSet: InstructionSet
    public var instructions: [ListedInstruction]
    /// Whether the log's bytes are the binary's (runtime-patched and
    /// relocated bytes aside); `nil` when they were not compared.
    public var matchesBinary: Bool?
    /// The first byte that differs, as an offset from the faulting instruction, when they differ.
    public var mismatchOffset: Int?
    /// Bytes that differ but that the kernel rewrites at run time (patch
    /// sites, relocated fields): how many, so that a reader knows they were excused.
    public var excusedBytes = 0
    /// Why the listing is partial or was not compared, when it is.
    public var note: String?
}

/// One instruction of a ``CodeListing``.
public struct ListedInstruction: Sendable {
    /// The instruction's address in the crashed kernel when ``addressKnown``;
    /// else a place only for ordering (the binary's own address space).
    public var address: UInt64
    /// Whether ``address`` is the crashed kernel's (or, without a binary, the
    /// log's); when not, ``symbol`` names the place.
    public var addressKnown = true
    /// `function+0xoff` in the binary, when the binary is at hand.
    public var symbol: String?
    public var bytes: [UInt8]
    /// `mov 0x28(%rdi),%eax`.
    public var text: String
    /// The instruction the kernel marked (or the PC points at).
    public var faulting: Bool
    /// Its inline chain, innermost first (empty when DWARF has nothing).
    public var locations: [SourceLocation]
    /// For the faulting instruction: the memory it reads or writes through a register.
    public var access: MemoryAccess?
}

/// The memory a faulting instruction accesses, through which register, and what that register holds.
public struct MemoryAccess: Sendable {
    /// The base register as the disassembler names it (`rdi`).
    public var register: String
    public var displacement: Int64
    /// The register's value from the register dump, when it printed one.
    public var value: UInt64?
    /// Variables the register holds at the PC, with the member at the displacement when it is a struct pointer.
    public var variables: [RegisterVariable]
}

/// One register of a report's register dump, and what DWARF says it holds at the PC.
public struct NamedRegister: Sendable {
    public var name: String
    public var value: UInt64
    /// Digits the kernel printed (the register's width).
    public var digits: Int
    /// Innermost scope first.
    public var variables: [RegisterVariable]
    /// `NULL`, `NULL+0x28`, `slab poison (use after free)`…
    public var hint: String?
}

/// A variable a register holds at an instruction.
public struct RegisterVariable: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable {
        case parameter, variable
    }

    public var name: String
    public var kind: Kind
    /// The function whose scope it is (an inlined function for its own parameters).
    public var function: String?
    /// Only the variable's first piece is in the register.
    public var partial: Bool
    /// For the faulting access: the member at the displacement (`value`), and the struct (`struct crash_obj`).
    public var member: String?
    public var structName: String?
}
