/// MIPS rules.
///
/// - MIPS16e and microMIPS functions have bit 0 set in their symbol values
///   and in return addresses (the ISA mode bit), like Thumb. The kernel's
///   kallsyms keeps the symbol value as is.
/// - Return addresses point past the delay slot (classic MIPS): the call is at
///   `ra - 8`; for compressed ISAs `(ra & ~1) - 1` still lands in the call.
public struct MIPSFixup: ArchFixup {
    public let architecture: Architecture

    public init(architecture: Architecture) {
        self.architecture = architecture
    }

    public func codeAddress(of symbol: RawSymbol) -> UInt64 {
        symbol.type == .function ? symbol.value & ~1 : symbol.value
    }

    public func normalizeCodeAddress(_ address: UInt64) -> UInt64 { address & ~1 }

    public func callSiteAddress(forReturnAddress address: UInt64) -> UInt64 {
        if address & 1 != 0 {
            // microMIPS/MIPS16: 16/32-bit instructions, no fixed delay slot size.
            let normalized = address & ~1
            return normalized == 0 ? 0 : normalized - 1
        }
        return address >= 8 ? address - 8 : 0
    }
}
