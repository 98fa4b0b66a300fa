internal import CLibdw

/// One compilation unit of a ``DwarfModule`` and what was read from it: its
/// scope tree, line table and file names, each read on first use and kept.
///
/// Lines come from ksymbolize's own decoder (``LineProgram``, ``LineTable``)
/// when the module can give it `.debug_line`, else from libdw; scopes from
/// the unit's ``ScopeSource``.
final class CompilationUnit {
    let bias: Dwarf_Addr
    let compilationDirectory: String?
    /// `DW_AT_stmt_list`: the line table's offset in `.debug_line`.
    private let lineTableOffset: Int?
    private let source: any ScopeSource
    lazy var scopes = ScopeTree(source: source)
    /// The unit's DIEs as ksymbolize's own reader reads them, when it does.
    var ownDies: UnitDies? { (source as? OwnScopes)?.dies }
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
