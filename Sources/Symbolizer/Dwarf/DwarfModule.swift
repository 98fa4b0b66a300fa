internal import CLibdw

/// DWARF lookups in one binary reported to a ``DwflSession``.
///
/// Addresses are in the session's address space: the runtime addresses the
/// module was reported at. Each compilation unit is read once: its scope tree,
/// file table and compilation directory are cached on first use. Without
/// `.debug_aranges` (clang-built kernels), where libdw 0.188 finds nothing,
/// the CUs are indexed by their own ranges instead.
///
/// Where the DWARF comes from is its ``DwarfBackend``; a libdwfl module can
/// also be answered by several sessions at once (``locations(batch:threads:)``,
/// in `SessionBatch.swift`).
final class DwarfModule {
    /// Where the DWARF comes from.
    let backend: any DwarfBackend
    let path: String
    /// Why the DWARF could not be loaded, or `nil` when it was.
    let dwarfError: String?
    /// Which of ksymbolize's own readers it uses.
    let options: DwarfReaderOptions

    private var units: [Dwarf_Off: CompilationUnit] = [:]
    /// ``variables(at:)``'s answers so far (`nil` inside: no unit for the address).
    var variablesAt: [UInt64: [ScopedVariable]?] = [:]
    /// Built only when libdw's own lookup (`.debug_aranges`) finds nothing.
    private var unitRanges: [(range: Range<UInt64>, offset: Dwarf_Off)]?

    /// How many compilation units have been read (for ``BinaryCache``'s cost estimate).
    var unitsRead: Int { units.count + ownUnits.count }

    /// The same binary in sessions of their own, for other threads; created on first use.
    var siblings: [DwarfModule?] = []
    /// Whether this is one of those (the first session drops the mapping's pages for all).
    var isSibling = false
    /// Where `.debug_info` lies in the mapped file.
    private var debugInfoExtent: (offset: Int, size: Int)?

    /// A DWARF section's bytes, where ksymbolize can read them itself: in
    /// the mapped file (vmlinux) or in a module relocated by ksymbolize.
    func sectionBuffer(_ name: String) -> UnsafeRawBufferPointer? {
        backend.section(named: name)
    }

    /// Where CUs' line tables are decoded from without libdw.
    private lazy var lineSections: LineTable.Sections? = {
        guard options.decodeLines, let line = sectionBuffer(".debug_line") else { return nil }
        return LineTable.Sections(
            line: line, lineStrings: sectionBuffer(".debug_line_str"), strings: sectionBuffer(".debug_str"))
    }()

    /// Reads CUs' top levels straight from the section bytes.
    private lazy var topLevelScanner: TopLevelScanner? = {
        guard options.scanTopLevel, let info = sectionBuffer(".debug_info"),
            let abbrev = sectionBuffer(".debug_abbrev")
        else {
            return nil
        }
        return TopLevelScanner(info: info, abbrev: abbrev)
    }()

    init(backend: any DwarfBackend, path: String, dwarfError: String?, options: DwarfReaderOptions) {
        self.backend = backend
        self.path = path
        self.dwarfError = dwarfError
        self.options = options
    }

    convenience init(relocated: RelocatedDwarf, path: String, options: DwarfReaderOptions = .fromEnvironment) {
        self.init(backend: RelocatedBackend(relocated), path: path, dwarfError: nil, options: options)
    }

    convenience init(lazy: LazyRelocatedDwarf, path: String, options: DwarfReaderOptions = .fromEnvironment) {
        self.init(backend: LazyBackend(lazy), path: path, dwarfError: nil, options: options)
    }

    /// A module's DWARF relocated one CU at a time by ksymbolize, when it is
    /// one it can relocate itself (x86-64 modules); `nil` otherwise.
    static func lazilyRelocated(
        path: String, sectionAddresses: [UInt32: UInt64], options: DwarfReaderOptions = .fromEnvironment
    ) -> DwarfModule? {
        guard let lazy = LazyRelocatedDwarf(path: path, sectionAddresses: sectionAddresses) else { return nil }
        return DwarfModule(lazy: lazy, path: path, options: options)
    }

    /// Reads the address → CU table now: ours from `.debug_aranges`, or
    /// libdw's (which reads every CU header for it).
    func warm() {
        guard dwarfError == nil, let dwfl = backend as? DwflBackend, ownDwarf == nil else { return }
        dwfl.warmAddressLookup()
    }

    /// The inline chain at `address`, innermost first: the position inside the
    /// innermost inlined function, then each call site up to the containing
    /// function. Empty when DWARF knows nothing about the address.
    func locations(at address: UInt64) -> [SourceLocation] {
        guard dwarfError == nil, let unit = unit(containing: address) else { return [] }
        let innermost = unit.line(at: address)
        let scopes = unit.scopes
        let chain = scopes.chain(at: address &- unit.bias)
        guard let first = chain.first else { return innermost.map { [$0] } ?? [] }
        var locations: [SourceLocation] = []
        locations.reserveCapacity(chain.count)
        locations.append(
            SourceLocation(
                function: scopes.name(first), file: innermost?.file, line: innermost?.line, column: innermost?.column))
        for index in 1..<chain.count {
            let call = scopes.callSite(chain[index - 1])
            locations.append(
                SourceLocation(
                    function: scopes.name(chain[index]), file: call?.file.flatMap(unit.fileName), line: call?.line,
                    column: call?.column))
        }
        return locations
    }

    /// The unit holding `address`: found by our own index and read by our
    /// own reader where the backend allows, else found by libdw, else (no
    /// `.debug_aranges`) by every unit's ranges.
    func unit(containing address: UInt64) -> CompilationUnit? {
        if let own = ownDwarf, let unitOffset = own.index.unit(containing: address &- own.bias) {
            if let unit = ownUnit(at: unitOffset, own) { return unit }
        }
        if let (die, bias) = backend.unitDie(containing: address) {
            return unit(die: die, bias: bias)
        }
        if unitRanges == nil { unitRanges = indexUnits() }
        guard let ranges = unitRanges else { return nil }
        let low = ranges.partitionPoint { $0.range.lowerBound > address }
        var candidate = low - 1
        while candidate >= 0, low - candidate <= 16 {
            if ranges[candidate].range.contains(address) { return units[ranges[candidate].offset] }
            candidate -= 1
        }
        return nil
    }

    /// What reads units without libdw's `Dwarf_CU`s (vmlinux, and x86-64
    /// modules relocated by ksymbolize): the sections, our
    /// `.debug_aranges` index and the session's bias.
    struct OwnDwarf {
        var sections: DwarfSections
        var index: UnitAddressIndex
        var bias: Dwarf_Addr
        var scanner: TopLevelScanner
        /// libdw's handle on the same DWARF, for what our reader does not know.
        var libdw: () -> OpaquePointer?
    }

    /// `nil` when the backend or ``options`` leave every unit to libdw.
    lazy var ownDwarf: OwnDwarf? = {
        guard options.readUnits, dwarfError == nil, let scanner = topLevelScanner,
            let (bias, libdw) = backend.ownReaderAccess()
        else { return nil }
        guard let aranges = sectionBuffer(".debug_aranges"), let index = UnitAddressIndex(aranges: aranges),
            !index.isEmpty
        else { return nil }
        let sections = DwarfSections(
            info: scanner.info, abbrev: scanner.abbrev, strings: sectionBuffer(".debug_str"),
            lineStrings: sectionBuffer(".debug_line_str"), stringOffsets: sectionBuffer(".debug_str_offsets"),
            addresses: sectionBuffer(".debug_addr"), ranges: sectionBuffer(".debug_ranges"),
            rangeLists: sectionBuffer(".debug_rnglists"))
        return OwnDwarf(sections: sections, index: index, bias: bias, scanner: scanner, libdw: libdw)
    }()

    /// Whether units build their line table at their first lookup (big
    /// batches) instead of scanning the program once first (logs).
    var tablesFirst = false

    /// Units read by ``UnitDies``, by their header's offset.
    private var ownUnits: [Int: CompilationUnit] = [:]

    /// The unit whose header is at `unitOffset`, read without libdw's
    /// search for it; through libdw when ``UnitDies`` cannot read it.
    private func ownUnit(at unitOffset: Int, _ own: OwnDwarf) -> CompilationUnit? {
        if let cached = ownUnits[unitOffset] { return cached }
        let libdwDie: () -> Dwarf_Die? = { [own] in
            guard let dwarf = own.libdw(), let header = UnitHeader(info: own.sections.info, offset: unitOffset) else {
                return nil
            }
            var die = Dwarf_Die()
            return dwarf_offdie(dwarf, Dwarf_Off(header.firstDie), &die) != nil ? die : nil
        }
        backend.prepare(unitAt: unitOffset)
        let created: CompilationUnit
        if let dies = UnitDies(sections: own.sections, unitOffset: unitOffset) {
            if let lines = dies.lineTableOffset { backend.prepare(lineProgramAt: lines) }
            created = CompilationUnit(dies: dies, bias: own.bias, scanner: own.scanner, libdwDie: libdwDie)
            created.lineSections = lineSections
            created.lookupsBeforeTable = tablesFirst ? 0 : 2
            units[Dwarf_Off(dies.header.firstDie)] = created
        } else if let die = libdwDie() {
            var copy = die
            backend.prepare(unitDieAt: dwarf_dieoffset(&copy))
            created = unit(die: die, bias: own.bias)
        } else {
            return nil
        }
        ownUnits[unitOffset] = created
        return created
    }

    private func unit(die: Dwarf_Die, bias: Dwarf_Addr) -> CompilationUnit {
        var copy = die
        let offset = dwarf_dieoffset(&copy)
        if let cached = units[offset] { return cached }
        let created = CompilationUnit(die: die, bias: bias, scanner: topLevelScanner)
        created.lineSections = lineSections
        created.lookupsBeforeTable = tablesFirst ? 0 : 2
        units[offset] = created
        if units.count % options.forgetInterval == 0, !isSibling,
            let mapped = (backend as? DwflBackend)?.parameters.mapped
        {
            // What was read of .debug_info for the CUs so far is kept in our
            // own structures: its pages need not stay resident (they come back
            // from the page cache if read again).
            if debugInfoExtent == nil { debugInfoExtent = mapped.section(named: ".debug_info") ?? (0, 0) }
            if let (offset, length) = debugInfoExtent { mapped.forget(offset: offset, length: length) }
        }
        return created
    }

    /// Every CU's address ranges, for binaries without `.debug_aranges`.
    private func indexUnits() -> [(range: Range<UInt64>, offset: Dwarf_Off)] {
        var result: [(range: Range<UInt64>, offset: Dwarf_Off)] = []
        backend.forEachUnitDie { die, bias in
            _ = unit(die: die, bias: bias)
            var copy = die
            let offset = dwarf_dieoffset(&copy)
            for range in LibdwScopes.ranges(of: &copy).all {
                let low = range.lowerBound &+ bias
                let high = range.upperBound &+ bias
                if low < high { result.append((low..<high, offset)) }
            }
        }
        result.sort { $0.range.lowerBound < $1.range.lowerBound }
        return result
    }
}
