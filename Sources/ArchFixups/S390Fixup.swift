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
