internal import CLibdw

/// A module of a libdwfl session, relocated by libdwfl: vmlinux (its file
/// mapped once for every session, its units read in place by ksymbolize's
/// own readers) and the modules libdwfl relocates whole.
///
/// The only backend whose binary can be reported again in sessions of its
/// own, one per thread (``DwarfModule/locations(batch:threads:)``): it
/// keeps what it was reported with.
final class DwflBackend: DwarfBackend {
    /// What the module was reported with, to report it again in another
    /// session (one per thread: libdw handles are not thread-safe).
    struct ReportParameters {
        var name: String
        var range: Range<UInt64>
        var sectionAddresses: [UInt32: UInt64]
        var mapped: MappedFile?
    }

    /// Kept alive here: the module handle belongs to it.
    private let session: DwflSession
    private let handle: OpaquePointer
    let parameters: ReportParameters

    init(session: DwflSession, handle: OpaquePointer, parameters: ReportParameters) {
        self.session = session
        self.handle = handle
        self.parameters = parameters
    }

    /// In the mapped file (vmlinux) only.
    func section(named name: String) -> UnsafeRawBufferPointer? {
        guard let mapped = parameters.mapped, let section = mapped.section(named: name),
            section.offset + section.size <= mapped.size
        else { return nil }
        return UnsafeRawBufferPointer(start: mapped.base + section.offset, count: section.size)
    }

    func ownReaderAccess() -> (bias: Dwarf_Addr, libdw: () -> OpaquePointer?)? {
        var bias: Dwarf_Addr = 0
        guard parameters.mapped != nil, dwfl_module_getdwarf(handle, &bias) != nil else { return nil }
        let handle = handle
        return (
            bias,
            {
                var ignored: Dwarf_Addr = 0
                return dwfl_module_getdwarf(handle, &ignored)
            }
        )
    }

    func unitDie(containing address: UInt64) -> (die: Dwarf_Die, bias: Dwarf_Addr)? {
        var bias: Dwarf_Addr = 0
        guard let die = dwfl_module_addrdie(handle, address, &bias) else { return nil }
        return (die.pointee, bias)
    }

    func forEachUnitDie(_ body: (Dwarf_Die, Dwarf_Addr) -> Void) {
        var bias: Dwarf_Addr = 0
        var current: UnsafeMutablePointer<Dwarf_Die>?
        while let die = dwfl_module_nextcu(handle, current, &bias) {
            current = die
            body(die.pointee, bias)
        }
    }

    /// Has libdw read its address → CU table now (it reads every CU header for it).
    func warmAddressLookup() {
        var bias: Dwarf_Addr = 0
        _ = dwfl_module_addrdie(handle, parameters.range.lowerBound, &bias)
    }
}
