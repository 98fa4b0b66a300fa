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
