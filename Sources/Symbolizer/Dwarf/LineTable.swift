/// One CU's DWARF 5 line table decoded straight from the mapped
/// `.debug_line`, with libdw's semantics (`dwarf_getsrclines` +
/// `dwarf_getsrc_die` + `dwarf_linesrc`/`dwarf_filesrc` in elfutils 0.188):
/// every row the program emits, ordered by address (an end of sequence
/// before a row at the same address, program order otherwise); the row for an
/// address is the last one at or below it unless that ends a sequence; file
/// names are the directory entry, "/", and the name, unless the name is
/// absolute.
///
/// libdw decodes into a linked list and then sorts every row with qsort;
/// most of a CU's rows come in address order already, so this checks and
/// sorts only when they do not. Anything it does not know (another version,
/// 64-bit DWARF, VLIW op indexes, unknown forms) gives `nil` and the caller
/// uses libdw.
final class LineTable {
    /// One row, in 16 bytes: vmlinux's tables hold millions of them.
    /// Columns above 65,535 and file indexes above 32,767 do not fit (the
    /// decoder then gives up and libdw answers).
    struct Row {
        var address: UInt64
        var line: Int32
        private var packedColumn: UInt16
        /// The file index, and bit 15 for an end of sequence.
        private var packedFile: UInt16

        var column: Int32 { Int32(packedColumn) }
        var file: Int32 { Int32(packedFile & 0x7fff) }
        var endSequence: Bool { packedFile & 0x8000 != 0 }

        /// Whether a row with this column and file index can be made.
        static func fits(column: Int32, file: Int32) -> Bool {
            column >= 0 && column <= Int32(UInt16.max) && file >= 0 && file <= 0x7fff
        }

        /// - Precondition: ``fits(column:file:)``.
        init(address: UInt64, line: Int32, column: Int32, file: Int32, endSequence: Bool) {
            self.address = address
            self.line = line
            packedColumn = UInt16(truncatingIfNeeded: column)
            packedFile = UInt16(truncatingIfNeeded: file) | (endSequence ? 0x8000 : 0)
        }
    }

    let rows: [Row]

    /// The sections the table refers to.
    struct Sections {
        var line: UnsafeRawBufferPointer
        var lineStrings: UnsafeRawBufferPointer?
        var strings: UnsafeRawBufferPointer?
    }

    init?(program: LineProgram) {
        var rows: [Row] = []
        rows.reserveCapacity(program.programLength / 3)
        guard
            program.forEachRow({
                rows.append($0)
                return true
            })
        else { return nil }
        // libdw's order: by address, an end of sequence first, program order otherwise.
        var sorted = true
        for index in 1..<rows.count where Self.before(rows[index], rows[index - 1]) {
            sorted = false
            break
        }
        if !sorted, let merged = Self.concatenatedSequences(rows) {
            rows = merged
        } else if !sorted {
            let order = rows.indices.sorted { lhs, rhs in
                if rows[lhs].address != rows[rhs].address { return rows[lhs].address < rows[rhs].address }
                if rows[lhs].endSequence != rows[rhs].endSequence { return rows[lhs].endSequence }
                return lhs < rhs
            }
            rows = order.map { rows[$0] }
        }
        self.rows = rows
    }

    /// libdw's order without a sort, for the usual reason rows are out of
    /// order: a CU's functions in several sections (`.text`, `.init.text`,
    /// `.text.unlikely`) give sequences that are each in order and do not
    /// overlap, so the sequences sorted by start are the answer. `nil` when
    /// that does not hold.
    private static func concatenatedSequences(_ rows: [Row]) -> [Row]? {
        var sequences: [Range<Int>] = []
        var start = 0
        for index in rows.indices where rows[index].endSequence {
            sequences.append(start..<index + 1)
            start = index + 1
        }
        guard start == rows.count else { return nil }
        for sequence in sequences {
            for index in sequence.dropFirst() where rows[index].address < rows[index - 1].address { return nil }
        }
        sequences.sort { rows[$0.lowerBound].address < rows[$1.lowerBound].address }
        for index in sequences.indices.dropFirst()
        where rows[sequences[index].lowerBound].address < rows[sequences[index - 1].upperBound - 1].address
            || rows[sequences[index].lowerBound].address == rows[sequences[index - 1].lowerBound].address
        {
            return nil
        }
        var result: [Row] = []
        result.reserveCapacity(rows.count)
        for sequence in sequences { result.append(contentsOf: rows[sequence]) }
        return result
    }

    /// Whether `a` goes strictly before `b` in libdw's order (ignoring program order).
    private static func before(_ a: Row, _ b: Row) -> Bool {
        if a.address != b.address { return a.address < b.address }
        return a.endSequence && !b.endSequence
    }

    /// libdw's `dwarf_getsrc_die`: the last row at or below `address`,
    /// unless it ends a sequence.
    func row(at address: UInt64) -> Row? {
        guard !rows.isEmpty else { return nil }
        var low = 0
        var high = rows.count - 1
        while low < high {
            let middle = high - (high - low) / 2
            if address < rows[middle].address {
                high = middle - 1
            } else {
                low = middle
            }
        }
        let row = rows[low]
        return !row.endSequence && row.address <= address ? row : nil
    }
}

/// A CU's DWARF 5 line program in the mapped `.debug_line`: its header
/// (file names) and a decoder of its rows, for ``LineTable`` or for one
/// lookup without a table (a CU that an oops touches once need not have
/// every row stored and ordered).
final class LineProgram {
    /// The file table (DWARF 5: index 0 is the primary file) and the
    /// directory table, as read: names are made only for the files asked
    /// for (a kernel CU lists hundreds of headers; an oops needs a few).
    private let fileEntries: [Entry]
    private let directoryEntries: [Entry]
    private let sections: LineTable.Sections
    private let programStart: Int
    private let end: Int
    private let minimumLength: UInt64
    private let opcodeBase: UInt8
    private let lineBase: Int32
    private let lineRange: UInt8
    private let standardLengths: [UInt8]

    var programLength: Int { end - programStart }

    init?(sections: LineTable.Sections, offset: Int) {
        var cursor = ByteCursor(bytes: sections.line, position: offset)
        guard let length = cursor.u32(), length < 0xffff_fff0 else { return nil }
        let end = offset + 4 + Int(length)
        guard end <= sections.line.count else { return nil }
        cursor.limit = end
        guard let version = cursor.u16(), version == 5, let addressSize = cursor.u8(), addressSize == 8,
            let segmentSelectorSize = cursor.u8(), segmentSelectorSize == 0, let headerLength = cursor.u32()
        else { return nil }
        let programStart = cursor.position + Int(headerLength)
        guard programStart <= end, let minimumInstructionLength = cursor.u8(), let maximumOperations = cursor.u8(),
            maximumOperations == 1, let defaultIsStmt = cursor.u8(), let lineBaseByte = cursor.u8(),
            let lineRange = cursor.u8(), lineRange > 0, let opcodeBase = cursor.u8(), opcodeBase > 0
        else { return nil }
        _ = defaultIsStmt
        var standardLengths: [UInt8] = []
        for _ in 1..<Int(opcodeBase) {
            guard let count = cursor.u8() else { return nil }
            standardLengths.append(count)
        }
        guard let directories = Self.entries(&cursor), let files = Self.entries(&cursor) else { return nil }
        // Names in a string section this file does not have: libdw's to answer.
        for entry in directories + files {
            switch entry.path {
            case .lineStrings where sections.lineStrings == nil, .strings where sections.strings == nil: return nil
            default: continue
            }
        }
        directoryEntries = directories
        fileEntries = files
        self.sections = sections
        self.programStart = programStart
        self.end = end
        self.minimumLength = UInt64(minimumInstructionLength)
        self.opcodeBase = opcodeBase
        self.lineBase = Int32(Int8(bitPattern: lineBaseByte))
        self.lineRange = lineRange
        self.standardLengths = standardLengths
    }

    /// Calls `body` with every row, in program order, until it returns
    /// `false`; `false` when the program is malformed or (read to its end)
    /// does not end a sequence last.
    func forEachRow(_ body: (LineTable.Row) -> Bool) -> Bool {
        typealias Row = LineTable.Row
        var cursor = ByteCursor(bytes: sections.line, position: programStart)
        cursor.limit = end
        var address: UInt64 = 0
        var file: Int32 = 1
        var line: Int32 = 1
        var column: Int32 = 0
        // Whether the last row so far ends a sequence.
        var endedLast = false
        while cursor.position < end {
            guard let opcode = cursor.u8() else { return false }
            if opcode >= opcodeBase {
                let adjusted = Int32(opcode - opcodeBase)
                address &+= UInt64(adjusted / Int32(lineRange)) &* minimumLength
                line &+= lineBase + adjusted % Int32(lineRange)
                guard body(Row(address: address, line: line, column: column, file: file, endSequence: false))
                else { return true }
                endedLast = false
                continue
            }
            switch opcode {
            case 0:
                guard let size = cursor.uleb(), size > 0, size < 1 << 32, let sub = cursor.u8() else { return false }
                let next = cursor.position + Int(size) - 1
                guard next <= end else { return false }
                switch sub {
                case 1:  // DW_LNE_end_sequence
                    guard body(Row(address: address, line: line, column: column, file: file, endSequence: true))
                    else { return true }
                    endedLast = true
                    address = 0
                    file = 1
                    line = 1
                    column = 0
                case 2:  // DW_LNE_set_address
                    guard size == 9, let value = cursor.u64() else { return false }
                    address = value
                case 4: _ = cursor.uleb()  // DW_LNE_set_discriminator
                default: break
                }
                cursor.position = next
            case 1:  // DW_LNS_copy
                guard body(Row(address: address, line: line, column: column, file: file, endSequence: false))
                else { return true }
                endedLast = false
            case 2:  // DW_LNS_advance_pc
                guard let value = cursor.uleb() else { return false }
                address &+= value &* minimumLength
            case 3:  // DW_LNS_advance_line
                guard let value = cursor.sleb() else { return false }
                line &+= Int32(truncatingIfNeeded: value)
            case 4:  // DW_LNS_set_file
                guard let value = cursor.uleb() else { return false }
                file = Int32(truncatingIfNeeded: value)
                guard LineTable.Row.fits(column: column, file: file) else { return false }
            case 5:  // DW_LNS_set_column
                guard let value = cursor.uleb() else { return false }
                column = Int32(truncatingIfNeeded: value)
                guard LineTable.Row.fits(column: column, file: file) else { return false }
            case 6, 7, 10, 11: break  // negate_stmt, basic_block, prologue_end, epilogue_begin
            case 8:  // DW_LNS_const_add_pc
                address &+= UInt64((255 - Int32(opcodeBase)) / Int32(lineRange)) &* minimumLength
            case 9:  // DW_LNS_fixed_advance_pc
                guard let value = cursor.u16() else { return false }
                address &+= UInt64(value)
            default:
                for _ in 0..<Int(standardLengths[Int(opcode) - 1]) { guard cursor.uleb() != nil else { return false } }
            }
        }
        return endedLast
    }

    /// What ``LineTable/row(at:)`` answers, found in one pass without
    /// storing rows: the greatest row at or below `address` in libdw's order
    /// (by address, an end of sequence first, then program order), unless it
    /// ends a sequence. The outer `nil`: the program cannot be decoded.
    func row(at address: UInt64) -> LineTable.Row?? {
        var best: LineTable.Row?
        // Sequences (counted by their ends) and the one `best` is in.
        var sequence = 0
        var bestSequence = -1
        let decoded = forEachRow { row in
            defer { if row.endSequence { sequence += 1 } }
            guard row.address <= address else {
                // Past `address` in the sequence that holds it: no later row can be closer
                // (sequences do not overlap), so the rest is not decoded.
                return bestSequence != sequence
            }
            if let current = best {
                if row.address < current.address { return true }
                if row.address == current.address && row.endSequence && !current.endSequence { return true }
            }
            best = row
            bestSequence = sequence
            return true
        }
        guard decoded else { return nil }
        guard let best, !best.endSequence else { return .some(nil) }
        return .some(best)
    }

    /// File `index`'s name: its path, under its directory unless absolute.
    func file(_ index: Int) -> String? {
        guard index >= 0, index < fileEntries.count, let name = path(fileEntries[index].path) else { return nil }
        if name.hasPrefix("/") { return name }
        let directory = fileEntries[index].directory
        guard directory >= 0, directory < directoryEntries.count, let base = path(directoryEntries[directory].path)
        else { return name }
        return base + "/" + name
    }

    /// Where an entry's path is.
    private enum PathSource {
        case none
        case lineStrings(Int)
        case strings(Int)
        case inline(Range<Int>)
    }

    private func path(_ source: PathSource) -> String? {
        switch source {
        case .none: return nil
        case .lineStrings(let offset): return sections.lineStrings.flatMap { ByteCursor.string(in: $0, at: offset) }
        case .strings(let offset): return sections.strings.flatMap { ByteCursor.string(in: $0, at: offset) }
        case .inline(let range): return String(decoding: sections.line[range], as: UTF8.self)
        }
    }

    /// One entry of a directory or file name table: its name, and for a file its directory's index.
    private struct Entry {
        var path = PathSource.none
        var directory: Int = 0
    }

    /// A DWARF 5 directory or file name table.
    private static func entries(_ cursor: inout ByteCursor) -> [Entry]? {
        guard let formatCount = cursor.u8() else { return nil }
        var format: [(content: UInt64, form: UInt64)] = []
        for _ in 0..<formatCount {
            guard let content = cursor.uleb(), let form = cursor.uleb() else { return nil }
            format.append((content, form))
        }
        guard let count = cursor.uleb(), count < 1 << 20 else { return nil }
        var result: [Entry] = []
        for _ in 0..<count {
            var entry = Entry()
            for (content, form) in format {
                switch content {
                case 1:  // DW_LNCT_path
                    switch form {
                    case 0x1f:  // DW_FORM_line_strp
                        guard let offset = cursor.u32() else { return nil }
                        entry.path = .lineStrings(Int(offset))
                    case 0x0e:  // DW_FORM_strp
                        guard let offset = cursor.u32() else { return nil }
                        entry.path = .strings(Int(offset))
                    case 0x08:  // DW_FORM_string
                        let start = cursor.position
                        guard cursor.skipString() else { return nil }
                        entry.path = .inline(start..<cursor.position - 1)
                    default: return nil
                    }
                case 2:  // DW_LNCT_directory_index
                    switch form {
                    case 0x0b: guard let value = cursor.u8() else { return nil }; entry.directory = Int(value)
                    case 0x05: guard let value = cursor.u16() else { return nil }; entry.directory = Int(value)
                    case 0x0f: guard let value = cursor.uleb() else { return nil }; entry.directory = Int(truncatingIfNeeded: value)
                    default: return nil
                    }
                default:
                    switch form {
                    case 0x1e: guard cursor.advance(16) else { return nil }  // data16 (MD5)
                    case 0x0b: guard cursor.advance(1) else { return nil }
                    case 0x05: guard cursor.advance(2) else { return nil }
                    case 0x06, 0x1f, 0x0e: guard cursor.advance(4) else { return nil }
                    case 0x07: guard cursor.advance(8) else { return nil }
                    case 0x0f: guard cursor.uleb() != nil else { return nil }
                    case 0x08: guard cursor.skipString() else { return nil }
                    case 0x09: guard let size = cursor.uleb(), cursor.advance(Int(truncatingIfNeeded: size)) else { return nil }
                    default: return nil
                    }
                }
            }
            result.append(entry)
        }
        return result
    }
}
