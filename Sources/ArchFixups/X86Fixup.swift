/// x86-64 and i386 rules: symbol values are addresses; no ISA bits; a return
/// address is looked up one byte back (the call instruction's last byte).
public struct X86Fixup: ArchFixup {
    public let architecture: Architecture

    public init(architecture: Architecture = .x86_64) {
        self.architecture = architecture
    }
}
