internal import CLibdw

/// Where a ``DwarfModule``'s DWARF comes from: a module of a libdwfl
/// session (``DwflBackend``), a module relocated whole by ksymbolize
/// (``RelocatedBackend``), or one relocated one unit at a time
/// (``LazyBackend``).
///
/// The module asks its backend only what differs between them: the section
/// bytes ksymbolize can read itself, how libdw finds a unit, and what must
/// happen to a unit before it is read. Finding, reading and caching units
/// is the module's, the same for all three.
protocol DwarfBackend: AnyObject {
    /// A DWARF section's bytes, where ksymbolize can read them itself (a
    /// mapped vmlinux, a module relocated by ksymbolize); `nil` otherwise,
    /// and libdw reads everything.
    func section(named name: String) -> UnsafeRawBufferPointer?

    /// What ksymbolize's own unit reader (``UnitDies``) needs besides the
    /// sections: the bias from DWARF addresses to session addresses, and
    /// libdw's handle on the same DWARF for what the reader does not know
    /// (asked for only then). `nil` when libdw reads every unit.
    func ownReaderAccess() -> (bias: Dwarf_Addr, libdw: () -> OpaquePointer?)?

    /// The CU DIE libdw finds for a session address, and its bias; `nil`
    /// when libdw's address lookup does not know the address.
    func unitDie(containing address: UInt64) -> (die: Dwarf_Die, bias: Dwarf_Addr)?

    /// Calls `body` with every CU DIE and its bias, in order: for binaries
    /// whose address lookup finds nothing (no `.debug_aranges`).
    func forEachUnitDie(_ body: (Dwarf_Die, Dwarf_Addr) -> Void)

    /// Makes the unit whose header is at `unitOffset` of `.debug_info`
    /// readable by ksymbolize's own reader (relocates it, where that is due).
    func prepare(unitAt unitOffset: Int)

    /// The same for the line program at `offset` of `.debug_line`.
    func prepare(lineProgramAt offset: Int)

    /// The same for the unit whose CU DIE libdw found at `dieOffset`, when
    /// libdw, not ksymbolize's reader, reads it.
    func prepare(unitDieAt dieOffset: Dwarf_Off)

    /// Makes the location lists readable by libdw (relocates them, where that is due).
    func prepareLocationLists()
}

extension DwarfBackend {
    /// Nothing to do: the DWARF is read as it is.
    func prepare(unitAt unitOffset: Int) {}

    /// Nothing to do: the DWARF is read as it is.
    func prepare(lineProgramAt offset: Int) {}

    /// Nothing to do: the DWARF is read as it is.
    func prepare(unitDieAt dieOffset: Dwarf_Off) {}

    /// Nothing to do: the DWARF is read as it is.
    func prepareLocationLists() {}
}

/// Calls `body` with every CU DIE of `dwarf`, in order, found by libdw alone
/// (a `Dwarf` opened without libdwfl: its addresses need no bias).
func eachLibdwUnitDie(in dwarf: OpaquePointer, _ body: (Dwarf_Die) -> Void) {
    var offset: Dwarf_Off = 0
    var next: Dwarf_Off = 0
    var headerSize = 0
    while dwarf_nextcu(dwarf, offset, &next, &headerSize, nil, nil, nil) == 0 {
        var die = Dwarf_Die()
        if dwarf_offdie(dwarf, offset &+ Dwarf_Off(headerSize), &die) != nil { body(die) }
        offset = next
    }
}
