internal import CLibdw

/// An x86-64 module relocated by ksymbolize one unit at a time
/// (``LazyRelocatedDwarf``): read by ksymbolize's own readers, libdw where
/// they cannot; each unit and line program is relocated before either
/// reads it.
final class LazyBackend: DwarfBackend {
    let relocated: LazyRelocatedDwarf

    init(_ relocated: LazyRelocatedDwarf) {
        self.relocated = relocated
    }

    func section(named name: String) -> UnsafeRawBufferPointer? {
        relocated.section(named: name)
    }

    /// No bias: the sections were relocated to session addresses.
    func ownReaderAccess() -> (bias: Dwarf_Addr, libdw: () -> OpaquePointer?)? {
        let module = relocated
        return (
            0,
            {
                module.prepareForLibdw()
                return module.dwarf
            }
        )
    }

    func unitDie(containing address: UInt64) -> (die: Dwarf_Die, bias: Dwarf_Addr)? {
        var die = Dwarf_Die()
        guard let offset = relocated.unitDieOffset(containing: address),
            dwarf_offdie(relocated.dwarf, offset, &die) != nil
        else { return nil }
        return (die, 0)
    }

    /// Relocates everything first.
    func forEachUnitDie(_ body: (Dwarf_Die, Dwarf_Addr) -> Void) {
        relocated.relocateAll()
        eachLibdwUnitDie(in: relocated.dwarf) { body($0, 0) }
    }

    func prepare(unitAt unitOffset: Int) {
        relocated.relocate(unitAt: unitOffset)
    }

    func prepare(lineProgramAt offset: Int) {
        relocated.relocate(lineProgramAt: offset)
    }

    func prepare(unitDieAt dieOffset: Dwarf_Off) {
        relocated.relocate(unitDieAt: dieOffset)
    }

    func prepareLocationLists() {
        relocated.relocateLocationLists()
    }
}
