internal import CLibdw

/// A module relocated whole by ksymbolize (``RelocatedDwarf``: machines
/// libdwfl cannot relocate) and read by libdw alone.
final class RelocatedBackend: DwarfBackend {
    let relocated: RelocatedDwarf

    init(_ relocated: RelocatedDwarf) {
        self.relocated = relocated
    }

    /// Never: libdw reads everything.
    func section(named name: String) -> UnsafeRawBufferPointer? { nil }

    func ownReaderAccess() -> (bias: Dwarf_Addr, libdw: () -> OpaquePointer?)? { nil }

    func unitDie(containing address: UInt64) -> (die: Dwarf_Die, bias: Dwarf_Addr)? {
        var die = Dwarf_Die()
        guard dwarf_addrdie(relocated.dwarf, address, &die) != nil else { return nil }
        return (die, 0)
    }

    func forEachUnitDie(_ body: (Dwarf_Die, Dwarf_Addr) -> Void) {
        eachLibdwUnitDie(in: relocated.dwarf) { body($0, 0) }
    }
}
