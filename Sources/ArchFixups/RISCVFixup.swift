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
