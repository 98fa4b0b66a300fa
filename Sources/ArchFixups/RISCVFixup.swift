/// RISC-V rules: no ISA bits; compressed instructions mean a call may be 2 or
/// 4 bytes long, so a return address is looked up one byte back, which is
/// inside the call either way. Local labels (`.L…`) are assembler artefacts.
public struct RISCVFixup: ArchFixup {
    public let architecture: Architecture

    public init(architecture: Architecture) {
        self.architecture = architecture
    }

    /// No KASLR on riscv32.
    public var kernelUsuallyAtLinkAddress: Bool { architecture == .riscv32 }

    /// `handle_exception` and the `ret_from_exception` it returns through.
    public var exceptionEntries: Set<String> { ["ret_from_exception", "handle_exception"] }

    /// The lower half of the address space.
    public func isUserAddress(_ address: UInt64) -> Bool {
        architecture == .riscv64 ? address & (1 << 63) == 0 : address < 0xc000_0000
    }

    public func isMappingSymbol(_ name: String) -> Bool {
        name.hasPrefix(".L") || MappingSymbols.isMapping(name, letters: "xd")
    }
}

// Machine code: `Code:` halfwords or words in `(…)`, `ra`/`sp`/`a0`… registers.
// Capstone 4, which Debian 12 ships, has no RISC-V: no instruction set to decode in.
extension RISCVFixup {
    /// x0–x31 by their ABI names as `show_regs()` prints them.
    public func dwarfRegister(named name: String) -> Int? {
        Self.registerNames.firstIndex(of: name.lowercased())
    }

    /// ABI names of `x0`–`x31`, in order.
    private static let registerNames = [
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
        "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    ]
}
