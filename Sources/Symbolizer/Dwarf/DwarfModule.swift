internal import CLibdw
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// DWARF lookups in one binary reported to a ``DwflSession``.
///
/// Addresses are in the session's address space: the runtime addresses the
/// module was reported at. Each compilation unit is read once: its scope tree,
/// file table and compilation directory are cached on first use. Without
/// `.debug_aranges` (clang-built kernels), where libdw 0.188 finds nothing,
/// the CUs are indexed by their own ranges instead.
final class DwarfModule {
    /// Where the DWARF comes from.
    private enum Backend {
        /// A module of a libdwfl session (kept alive here), relocated by libdwfl.
        case dwfl(DwflSession, OpaquePointer)
        /// DWARF relocated by ksymbolize and opened with libdw alone.
        case relocated(RelocatedDwarf)
        /// DWARF relocated by ksymbolize one CU at a time, opened with libdw alone.
        case lazy(LazyRelocatedDwarf)
    }

    private let backend: Backend
    let path: String
    /// Why the DWARF could not be loaded, or `nil` when it was.
    let dwarfError: String?
    /// Which of ksymbolize's own readers it uses.
    let options: DwarfReaderOptions

    /// One compilation unit and what was read from it.
    private final class CompilationUnit {
        let bias: Dwarf_Addr
        let compilationDirectory: String?
        /// `DW_AT_stmt_list`: the line table's offset in `.debug_line`.
        private let lineTableOffset: Int?
        private let source: any ScopeSource
        lazy var scopes = ScopeTree(source: source)
        /// Where to decode the line table without libdw (mapped vmlinux).
        var lineSections: LineTable.Sections?
        private var table: LineTable?
        private var programRead = false
        private var program: LineProgram?
        /// The unit's libdw DIE, for what only libdw reads; found on first use
        /// for a unit read by ``UnitDies``.
        private let resolveDie: () -> Dwarf_Die?
        private var dieResolved = false
        private var resolvedDie: Dwarf_Die?

        private var die: Dwarf_Die? {
            if !dieResolved {
                dieResolved = true
                resolvedDie = resolveDie()
            }
            return resolvedDie
        }

        /// A unit found through libdw.
        init(die: Dwarf_Die, bias: Dwarf_Addr, scanner: TopLevelScanner?) {
            self.bias = bias
            var copy = die
            var attribute = Dwarf_Attribute()
            if dwarf_attr(&copy, UInt32(DW_AT_comp_dir), &attribute) != nil, let text = dwarf_formstring(&attribute) {
                compilationDirectory = String(cString: text)
            } else {
                compilationDirectory = nil
            }
            var offset: Dwarf_Word = 0
            if dwarf_attr(&copy, UInt32(DW_AT_stmt_list), &attribute) != nil, dwarf_formudata(&attribute, &offset) == 0 {
                lineTableOffset = Int(exactly: offset)
            } else {
                lineTableOffset = nil
            }
            source = LibdwScopes(cuDie: die, scanner: scanner)
            resolveDie = { die }
        }

        /// A unit read by ``UnitDies``; `libdwDie` finds it in libdw for what
        /// only libdw can read.
        init(dies: UnitDies, bias: Dwarf_Addr, scanner: TopLevelScanner, libdwDie: @escaping () -> Dwarf_Die?) {
            self.bias = bias
            compilationDirectory = dies.compilationDirectory
            lineTableOffset = dies.lineTableOffset
            source = OwnScopes(dies: dies, scanner: scanner) { libdwDie().map { LibdwScopes(cuDie: $0, scanner: nil) } }
            resolveDie = libdwDie
        }

        /// The CU's line program read by ``LineProgram``, when it can.
        private func lineProgram() -> LineProgram? {
            guard let lineSections else { return nil }
            if !programRead {
                programRead = true
                if let offset = lineTableOffset, offset < lineSections.line.count {
                    program = LineProgram(sections: lineSections, offset: offset)
                }
            }
            return program
        }

        /// The row for a DWARF address from our own decoder: one pass over
        /// the program for the unit's first lookups (an oops touches most
        /// units once), a table after that. `nil`: the program cannot be
        /// decoded, ask libdw.
        private func ownRow(at address: UInt64) -> LineTable.Row?? {
            guard let program = lineProgram() else { return nil }
            lookups += 1
            if table == nil, let known = scanned[address] { return .some(known) }
            if table == nil, lookups <= lookupsBeforeTable {
                guard let row = program.row(at: address) else {
                    self.program = nil
                    return nil
                }
                scanned[address] = .some(row)
                return .some(row)
            }
            if table == nil { table = LineTable(program: program) }
            guard let table else {
                self.program = nil
                return nil
            }
            return .some(table.row(at: address))
        }

        /// Lookups answered by scanning before the table is built: 2 for
        /// logs (most units are asked twice: once when the log's frames are
        /// read ahead, once for the frame), 0 for big batches.
        var lookupsBeforeTable = 2
        private var lookups = 0
        /// The rows found by scans, by address (the read-ahead and the
        /// frame ask for the same address).
        private var scanned: [UInt64: LineTable.Row?] = [:]

        private var files: OpaquePointer?
        private var fileCount = 0
        private var filesRead = false
        private var fileNames: [Int: String] = [:]

        /// The normalised name of entry `index` of the CU's file table.
        func fileName(_ index: Int) -> String? {
            if let cached = fileNames[index] { return cached }
            if let program = lineProgram() {
                guard let name = program.file(index) else { return nil }
                let normalized = SourcePath.normalize(name, compilationDirectory: compilationDirectory)
                fileNames[index] = normalized
                return normalized
            }
            if !filesRead {
                filesRead = true
                if var die = die, dwarf_getsrcfiles(&die, &files, &fileCount) != 0 { files = nil }
            }
            guard let files, index < fileCount, let name = dwarf_filesrc(files, index, nil, nil) else { return nil }
            let normalized = SourcePath.normalize(String(cString: name), compilationDirectory: compilationDirectory)
            fileNames[index] = normalized
            return normalized
        }

        /// Normalised names of the line table's files, by the address of
        /// libdw's string (stable for the CU's lifetime).
        private var lineFileNames: [UnsafeRawPointer: String] = [:]

        /// The line table row for `address` (a session address).
        func line(at address: UInt64) -> SourceLocation? {
            if let found = ownRow(at: address &- bias) {
                guard let row = found else { return nil }
                return SourceLocation(
                    function: nil, file: fileName(Int(row.file)), line: row.line > 0 ? Int(row.line) : nil,
                    column: row.column > 0 ? Int(row.column) : nil)
            }
            guard var die, let line = dwarf_getsrc_die(&die, address &- bias) else { return nil }
            var number: Int32 = 0
            var column: Int32 = 0
            _ = dwarf_lineno(line, &number)
            _ = dwarf_linecol(line, &column)
            var file: String?
            if let raw = dwarf_linesrc(line, nil, nil) {
                let key = UnsafeRawPointer(raw)
                if let cached = lineFileNames[key] {
                    file = cached
                } else {
                    let normalized = SourcePath.normalize(String(cString: raw), compilationDirectory: compilationDirectory)
                    lineFileNames[key] = normalized
                    file = normalized
                }
            }
            return SourceLocation(
                function: nil, file: file, line: number > 0 ? Int(number) : nil, column: column > 0 ? Int(column) : nil)
        }
    }

    private var units: [Dwarf_Off: CompilationUnit] = [:]
    /// Built only when libdw's own lookup (`.debug_aranges`) finds nothing.
    private var unitRanges: [(range: Range<UInt64>, offset: Dwarf_Off)]?

    /// What the module was reported with, to report it again in another
    /// session (one per thread: libdw handles are not thread-safe).
    struct ReportParameters {
        var name: String
        var range: Range<UInt64>
        var sectionAddresses: [UInt32: UInt64]
        var mapped: MappedFile?
    }

    private let parameters: ReportParameters?
    /// The same binary in sessions of their own, for other threads; created on first use.
    private var siblings: [DwarfModule?] = []
    /// Whether this is one of those (the first session drops the mapping's pages for all).
    private var isSibling = false
    /// Where `.debug_info` lies in the mapped file.
    private var debugInfoExtent: (offset: Int, size: Int)?
    /// A DWARF section's bytes, where ksymbolize can read them itself: in
    /// the mapped file (vmlinux) or in a module relocated by ksymbolize.
    private func sectionBuffer(_ name: String) -> UnsafeRawBufferPointer? {
        switch backend {
        case .lazy(let lazy):
            return lazy.section(named: name)
        case .dwfl, .relocated:
            guard let mapped = parameters?.mapped, let section = mapped.section(named: name),
                section.offset + section.size <= mapped.size
            else { return nil }
            return UnsafeRawBufferPointer(start: mapped.base + section.offset, count: section.size)
        }
    }

    /// Where CUs' line tables are decoded from without libdw.
    private lazy var lineSections: LineTable.Sections? = {
        guard options.decodeLines, let line = sectionBuffer(".debug_line") else { return nil }
        return LineTable.Sections(
            line: line, lineStrings: sectionBuffer(".debug_line_str"), strings: sectionBuffer(".debug_str"))
    }()

    /// Reads CUs' top levels straight from the section bytes.
    private lazy var topLevelScanner: TopLevelScanner? = {
        guard options.scanTopLevel, let info = sectionBuffer(".debug_info"), let abbrev = sectionBuffer(".debug_abbrev") else {
            return nil
        }
        return TopLevelScanner(info: info, abbrev: abbrev)
    }()

    init(
        session: DwflSession, handle: OpaquePointer, path: String, dwarfError: String?,
        parameters: ReportParameters? = nil, options: DwarfReaderOptions
    ) {
        self.backend = .dwfl(session, handle)
        self.path = path
        self.dwarfError = dwarfError
        self.parameters = parameters
        self.options = options
    }

    init(relocated: RelocatedDwarf, path: String, options: DwarfReaderOptions = .fromEnvironment) {
        self.backend = .relocated(relocated)
        self.path = path
        self.dwarfError = nil
        self.parameters = nil
        self.options = options
    }

    init(lazy: LazyRelocatedDwarf, path: String, options: DwarfReaderOptions = .fromEnvironment) {
        self.backend = .lazy(lazy)
        self.path = path
        self.dwarfError = nil
        self.parameters = nil
        self.options = options
    }

    /// A module's DWARF relocated one CU at a time by ksymbolize, when it is
    /// one it can relocate itself (x86-64 modules); `nil` otherwise.
    static func lazilyRelocated(
        path: String, sectionAddresses: [UInt32: UInt64], options: DwarfReaderOptions = .fromEnvironment
    ) -> DwarfModule? {
        guard let lazy = LazyRelocatedDwarf(path: path, sectionAddresses: sectionAddresses) else { return nil }
        return DwarfModule(lazy: lazy, path: path, options: options)
    }

    /// The inline chains of many addresses, in order, computed by up to
    /// `threads` threads.
    ///
    /// Compilation units are independent: each is given to one session for
    /// the whole run (by a hash of its offset), so each CU is read once, by
    /// one thread, whatever the batches look like. This module is session 0;
    /// the others open the same file again. Small batches run on the calling
    /// thread (still each CU in its own session, so later big batches find it
    /// read).
    func locations(batch addresses: [UInt64], threads: Int) -> [[SourceLocation]] {
        // Many addresses: each unit is likely to be asked again, so its line table is built at once.
        if addresses.count >= 256 { tablesFirst = true }
        guard threads > 1, dwarfError == nil, parameters != nil, case .dwfl(_, let handle) = backend,
            addresses.count > 1
        else { return addresses.map { locations(at: $0) } }
        if siblings.count < threads - 1 { siblings += Array(repeating: nil, count: threads - 1 - siblings.count) }
        var groups = Array(repeating: [Int](), count: threads)
        let own = ownDwarf
        for (position, address) in addresses.enumerated() {
            var bias: Dwarf_Addr = 0
            var owner = 0
            if let own, let unitOffset = own.index.unit(containing: address &- own.bias) {
                owner = Int((UInt64(unitOffset) &* 0x9E37_79B9_7F4A_7C15) >> 40) % threads
            } else if let die = dwfl_module_addrdie(handle, address, &bias) {
                let offset = dwarf_dieoffset(die)
                owner = Int((offset &* 0x9E37_79B9_7F4A_7C15) >> 40) % threads
            }
            groups[owner].append(position)
        }
        // Sessions not opened yet are opened by their own worker, in parallel.
        var modules: [DwarfModule?] = [self]
        for worker in 1..<threads { modules.append(groups[worker].isEmpty ? self : siblings[worker - 1]) }
        let results = ResultSlots(count: addresses.count)
        let work = WorkList(
            modules: modules, groups: groups, addresses: addresses, results: results,
            open: { [parameters, path, options] in Self.makeSibling(parameters: parameters, path: path, options: options) })
        if addresses.count < 64 {
            for worker in 0..<threads { work.run(worker) }
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { work.run($0) }
        }
        for worker in 1..<threads where siblings[worker - 1] == nil && !groups[worker].isEmpty {
            siblings[worker - 1] = work.opened(worker)
        }
        // A worker whose session could not be opened left its addresses: answer them here.
        for worker in 1..<threads where !groups[worker].isEmpty && work.opened(worker) == nil {
            for position in groups[worker] { results.set(position, locations(at: addresses[position])) }
        }
        return results.take()
    }

    /// Reads the address → CU table now: ours from `.debug_aranges`, or
    /// libdw's (which reads every CU header for it).
    func warm() {
        guard dwarfError == nil, case .dwfl(_, let handle) = backend, let parameters, ownDwarf == nil else { return }
        var bias: Dwarf_Addr = 0
        _ = dwfl_module_addrdie(handle, parameters.range.lowerBound, &bias)
    }

    private static func makeSibling(parameters: ReportParameters?, path: String, options: DwarfReaderOptions)
        -> DwarfModule?
    {
        guard let parameters, let session = try? DwflSession() else { return nil }
        guard
            let module = try? session.report(
                name: parameters.name, path: path, range: parameters.range,
                sectionAddresses: parameters.sectionAddresses, mapped: parameters.mapped, options: options),
            module.dwarfError == nil
        else { return nil }
        module.isSibling = true
        module.tablesFirst = true
        module.warm()
        return module
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

    private func unit(containing address: UInt64) -> CompilationUnit? {
        switch backend {
        case .dwfl(_, let handle):
            if let own = ownDwarf, let unitOffset = own.index.unit(containing: address &- own.bias) {
                if let unit = ownUnit(at: unitOffset, own) { return unit }
            }
            var bias: Dwarf_Addr = 0
            if let die = dwfl_module_addrdie(handle, address, &bias) {
                return unit(die: die.pointee, bias: bias)
            }
        case .relocated(let relocated):
            var die = Dwarf_Die()
            if dwarf_addrdie(relocated.dwarf, address, &die) != nil {
                return unit(die: die, bias: 0)
            }
        case .lazy(let lazy):
            if let own = ownDwarf, let unitOffset = own.index.unit(containing: address) {
                if let unit = ownUnit(at: unitOffset, own) { return unit }
            }
            var die = Dwarf_Die()
            if let offset = lazy.unitDieOffset(containing: address), dwarf_offdie(lazy.dwarf, offset, &die) != nil {
                return unit(die: die, bias: 0)
            }
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
    private struct OwnDwarf {
        var sections: DwarfSections
        var index: UnitAddressIndex
        var bias: Dwarf_Addr
        var scanner: TopLevelScanner
        /// The module whose units are relocated as they are read.
        var lazy: LazyRelocatedDwarf?
        /// libdw's handle on the same DWARF, for what our reader does not know.
        var libdw: () -> OpaquePointer?
    }

    private lazy var ownDwarf: OwnDwarf? = {
        guard options.readUnits, dwarfError == nil, let scanner = topLevelScanner else { return nil }
        var bias: Dwarf_Addr = 0
        var lazy: LazyRelocatedDwarf?
        let libdw: () -> OpaquePointer?
        switch backend {
        case .dwfl(_, let handle):
            guard parameters?.mapped != nil, dwfl_module_getdwarf(handle, &bias) != nil else { return nil }
            libdw = {
                var ignored: Dwarf_Addr = 0
                return dwfl_module_getdwarf(handle, &ignored)
            }
        case .lazy(let module):
            lazy = module
            libdw = {
                module.prepareForLibdw()
                return module.dwarf
            }
        case .relocated:
            return nil
        }
        guard let aranges = sectionBuffer(".debug_aranges"), let index = UnitAddressIndex(aranges: aranges),
            !index.isEmpty
        else { return nil }
        let sections = DwarfSections(
            info: scanner.info, abbrev: scanner.abbrev, strings: sectionBuffer(".debug_str"),
            lineStrings: sectionBuffer(".debug_line_str"), stringOffsets: sectionBuffer(".debug_str_offsets"),
            addresses: sectionBuffer(".debug_addr"), ranges: sectionBuffer(".debug_ranges"),
            rangeLists: sectionBuffer(".debug_rnglists"))
        return OwnDwarf(sections: sections, index: index, bias: bias, scanner: scanner, lazy: lazy, libdw: libdw)
    }()

    /// Whether units build their line table at their first lookup (big
    /// batches) instead of scanning the program once first (logs).
    private var tablesFirst = false

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
        own.lazy?.relocate(unitAt: unitOffset)
        let created: CompilationUnit
        if let dies = UnitDies(sections: own.sections, unitOffset: unitOffset) {
            if let lines = dies.lineTableOffset { own.lazy?.relocate(lineProgramAt: lines) }
            created = CompilationUnit(dies: dies, bias: own.bias, scanner: own.scanner, libdwDie: libdwDie)
            created.lineSections = lineSections
            created.lookupsBeforeTable = tablesFirst ? 0 : 2
            units[Dwarf_Off(dies.header.firstDie)] = created
        } else if let die = libdwDie() {
            var copy = die
            own.lazy?.relocate(unitDieAt: dwarf_dieoffset(&copy))
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
        if units.count % options.forgetInterval == 0, !isSibling, let mapped = parameters?.mapped {
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
        func addAll(_ dwarf: OpaquePointer) {
            var offset: Dwarf_Off = 0
            var next: Dwarf_Off = 0
            var headerSize = 0
            while dwarf_nextcu(dwarf, offset, &next, &headerSize, nil, nil, nil) == 0 {
                var die = Dwarf_Die()
                if dwarf_offdie(dwarf, offset &+ Dwarf_Off(headerSize), &die) != nil { add(die, bias: 0) }
                offset = next
            }
        }
        func add(_ die: Dwarf_Die, bias: Dwarf_Addr) {
            _ = unit(die: die, bias: bias)
            var copy = die
            let offset = dwarf_dieoffset(&copy)
            for range in LibdwScopes.ranges(of: &copy).all {
                let low = range.lowerBound &+ bias
                let high = range.upperBound &+ bias
                if low < high { result.append((low..<high, offset)) }
            }
        }
        switch backend {
        case .dwfl(_, let handle):
            var bias: Dwarf_Addr = 0
            var current: UnsafeMutablePointer<Dwarf_Die>?
            while let die = dwfl_module_nextcu(handle, current, &bias) {
                current = die
                add(die.pointee, bias: bias)
            }
        case .relocated(let relocated):
            addAll(relocated.dwarf)
        case .lazy(let lazy):
            lazy.relocateAll()
            addAll(lazy.dwarf)
        }
        result.sort { $0.range.lowerBound < $1.range.lowerBound }
        return result
    }
}

/// The answers of one batch: each slot is written by exactly one worker, and
/// read only after every worker has finished.
private final class ResultSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<[SourceLocation]>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: [])
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func set(_ position: Int, _ value: [SourceLocation]) { slots[position] = value }

    /// The answers, moved out (once).
    func take() -> [[SourceLocation]] {
        Array(unsafeUninitializedCapacity: slots.count) { answers, count in
            _ = answers.moveInitialize(fromContentsOf: slots)
            slots.initialize(repeating: [])
            count = slots.count
        }
    }
}

/// One batch split by session: worker `k` uses `modules[k]` (its own libdwfl
/// session, touched by no other thread during the batch; opened by the worker
/// itself when it is missing) for `groups[k]`.
private final class WorkList: @unchecked Sendable {
    private let modules: UnsafeMutableBufferPointer<DwarfModule?>
    let groups: [[Int]]
    let addresses: [UInt64]
    let results: ResultSlots
    let open: () -> DwarfModule?

    init(
        modules: [DwarfModule?], groups: [[Int]], addresses: [UInt64], results: ResultSlots,
        open: @escaping () -> DwarfModule?
    ) {
        self.modules = .allocate(capacity: modules.count)
        _ = self.modules.initialize(from: modules)
        self.groups = groups
        self.addresses = addresses
        self.results = results
        self.open = open
    }

    deinit {
        modules.deinitialize()
        modules.deallocate()
    }

    /// Worker `worker`'s session after the batch (`nil` when it could not be opened).
    func opened(_ worker: Int) -> DwarfModule? { modules[worker] }

    func run(_ worker: Int) {
        guard !groups[worker].isEmpty else { return }
        if modules[worker] == nil { modules[worker] = open() }
        guard let module = modules[worker] else { return }
        for position in groups[worker] { results.set(position, module.locations(at: addresses[position])) }
    }
}
