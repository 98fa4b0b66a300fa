internal import CLibdw

/// The DWARF sections of a mapped file that ``UnitDies`` reads.
struct DwarfSections {
    var info: UnsafeRawBufferPointer
    var abbrev: UnsafeRawBufferPointer
    var strings: UnsafeRawBufferPointer?
    var lineStrings: UnsafeRawBufferPointer?
    var stringOffsets: UnsafeRawBufferPointer?
    var addresses: UnsafeRawBufferPointer?
    /// DWARF 4 `.debug_ranges`.
    var ranges: UnsafeRawBufferPointer?
    /// DWARF 5 `.debug_rnglists`.
    var rangeLists: UnsafeRawBufferPointer?
}

/// One compilation unit's DIEs read straight from the mapped sections, with
/// libdw's meaning (`dwarf_ranges`, `dwarf_attr_integrate`, `dwarf_formudata`),
/// but without libdw's `Dwarf_CU`: libdw 0.188 can only reach a CU by reading
/// every unit header before it (one page of `.debug_info` per CU, ~2,400
/// pages for vmlinux), which a 30-frame oops should not pay for.
///
/// DIEs are named by their `.debug_info` offset. What it does not know (a
/// form, a reference into another unit) gives `nil`, and the caller uses
/// libdw for that unit.
///
/// Address ranges are read in `UnitRanges.swift`.
final class UnitDies {
    let sections: DwarfSections
    let header: UnitHeader
    let abbrevs: AbbrevTable
    /// The CU DIE's `DW_AT_comp_dir`.
    private(set) var compilationDirectory: String?
    /// The CU DIE's `DW_AT_stmt_list`: its line table's offset in `.debug_line`.
    private(set) var lineTableOffset: Int?
    /// The CU's base address (`DW_AT_low_pc`), for DWARF 4 ranges and DWARF 5 offset pairs.
    private(set) var baseAddress: UInt64 = 0
    private var addressBase: Int = 8
    private var stringOffsetsBase: Int = 8
    /// `DW_AT_rnglists_base`, for DWARF 5 range lists by index.
    private(set) var rangeListsBase: Int?
    /// The CU DIE's own address ranges.
    private(set) var unitRanges: [Range<UInt64>] = []

    /// One DIE's attributes that scopes need.
    struct Entry {
        var offset: Int
        var tag: UInt64
        var hasChildren: Bool
        /// Where its children (or next sibling) start.
        var end: Int
        var sibling: Int?
        var lowPC: UInt64?
        var highPC: UInt64?
        var highPCIsOffset = false
        var ranges: Ranges?
        /// Where the `DW_AT_name` value is, and its form (read only when asked).
        var name: (form: UInt64, position: Int)?
        var abstractOrigin: Int?
        var specification: Int?
        var callFile: Int?
        var callLine: Int?
        var callColumn: Int?
        /// `DW_AT_location` (its form and where its value is), `DW_AT_type`,
        /// `DW_AT_byte_size`, `DW_AT_data_member_location` (a constant): for variables and types.
        var location: (form: UInt64, position: Int)?
        var type: Int?
        var byteSize: UInt64?
        var memberOffset: UInt64?
        /// A form or reference this reader does not follow was present.
        var unsupported = false

        /// Where `DW_AT_ranges` points: a section offset, or (`DW_FORM_rnglistx`) an index.
        enum Ranges {
            case offset(Int)
            case index(Int)
        }
    }

    /// The unit at `unitOffset`; `nil` when its header, abbreviations or CU
    /// DIE use something this reader does not know.
    init?(sections: DwarfSections, unitOffset: Int) {
        guard let header = UnitHeader(info: sections.info, offset: unitOffset),
            let abbrevs = AbbrevTable(abbrev: sections.abbrev, offset: header.abbrevOffset)
        else { return nil }
        self.sections = sections
        self.header = header
        self.abbrevs = abbrevs
        // The bases come first: other attributes of the CU DIE may be indexed through them.
        guard entry(at: header.firstDie, bases: true) != nil, let cu = entry(at: header.firstDie),
            !cu.unsupported, cu.tag == UInt64(DW_TAG_compile_unit) || cu.tag == UInt64(DW_TAG_partial_unit) else {
            return nil
        }
        baseAddress = cu.lowPC ?? 0
        guard let ranges = ranges(of: cu) else { return nil }
        unitRanges = ranges.all
    }

    /// The DIE at `offset`; `nil` when it cannot be read.
    func entry(at offset: Int) -> Entry? { entry(at: offset, bases: false) }

    private func entry(at offset: Int, bases: Bool) -> Entry? {
        let unit = header.forms
        guard offset >= header.firstDie, offset < header.end else { return nil }
        var cursor = ByteCursor(bytes: sections.info, position: offset)
        cursor.limit = header.end
        guard let code = cursor.uleb(), code != 0, let abbrev = abbrevs(code) else { return nil }
        var entry = Entry(offset: offset, tag: UInt64(abbrev.tag), hasChildren: abbrev.hasChildren, end: offset)
        for index in abbrev.attributeIndices {
            let attribute = abbrevs.attributes[index]
            var form = UInt64(attribute.form)
            if form == UInt64(DW_FORM_indirect) {
                guard let actual = cursor.uleb(), actual != UInt64(DW_FORM_indirect) else { return nil }
                form = actual
            }
            let start = cursor.position
            if bases {
                switch Int(attribute.name) {
                case DW_AT_addr_base: addressBase = readOffset(form, &cursor) ?? addressBase
                case DW_AT_str_offsets_base: stringOffsetsBase = readOffset(form, &cursor) ?? stringOffsetsBase
                case DW_AT_rnglists_base: rangeListsBase = readOffset(form, &cursor)
                default: break
                }
                cursor.position = start
                guard FormReader.skip(form: form, &cursor, unit) else { return nil }
                continue
            }
            switch Int(attribute.name) {
            case DW_AT_sibling:
                entry.sibling = FormReader.unitReference(form: form, &cursor, unit)
            case DW_AT_low_pc:
                entry.lowPC = readAddress(form, &cursor)
                if entry.lowPC == nil { entry.unsupported = true }
            case DW_AT_high_pc:
                if form == UInt64(DW_FORM_addr) || isAddressIndex(form) {
                    entry.highPC = readAddress(form, &cursor)
                } else {
                    entry.highPC = readUnsigned(form, attribute, &cursor)
                    entry.highPCIsOffset = true
                }
                if entry.highPC == nil { entry.unsupported = true }
            case DW_AT_ranges:
                if form == UInt64(DW_FORM_rnglistx) {
                    entry.ranges = cursor.uleb().flatMap { Int(exactly: $0) }.map { .index($0) }
                } else {
                    entry.ranges = readOffset(form, &cursor).map { .offset($0) }
                }
                if entry.ranges == nil { entry.unsupported = true }
            case DW_AT_name:
                entry.name = (form, start)
            case DW_AT_abstract_origin, DW_AT_specification:
                let target = FormReader.unitReference(form: form, &cursor, unit)
                if target == nil { entry.unsupported = true }
                if Int(attribute.name) == DW_AT_abstract_origin {
                    entry.abstractOrigin = target
                } else {
                    entry.specification = target
                }
            case DW_AT_call_file, DW_AT_call_line, DW_AT_call_column:
                guard let value = readUnsigned(form, attribute, &cursor) else {
                    entry.unsupported = true
                    break
                }
                let number = Int(exactly: value)
                switch Int(attribute.name) {
                case DW_AT_call_file: entry.callFile = number
                case DW_AT_call_line: entry.callLine = number
                default: entry.callColumn = number
                }
            case DW_AT_location:
                entry.location = (form, start)
            case DW_AT_type:
                entry.type = FormReader.unitReference(form: form, &cursor, unit)
            case DW_AT_byte_size:
                entry.byteSize = readUnsigned(form, attribute, &cursor)
            case DW_AT_data_member_location:
                entry.memberOffset = readUnsigned(form, attribute, &cursor)
            case DW_AT_comp_dir where offset == header.firstDie:
                compilationDirectory = readString(form, &cursor)
            case DW_AT_stmt_list where offset == header.firstDie:
                lineTableOffset = readOffset(form, &cursor)
            default:
                break
            }
            // Whatever was or was not read, the value ends where its form says.
            cursor.position = start
            guard FormReader.skip(form: form, &cursor, unit) else { return nil }
        }
        entry.end = cursor.position
        return entry
    }

    /// The DIEs directly under `entry` whose tag is `wanted`, in order
    /// (the others are skipped without reading their values).
    func children(of entry: Entry, matching wanted: (UInt64) -> Bool) -> [Entry]? {
        guard entry.hasChildren else { return [] }
        let unit = header.forms
        var result: [Entry] = []
        var position = entry.end
        while true {
            guard position < header.end else { return nil }
            var cursor = ByteCursor(bytes: sections.info, position: position)
            cursor.limit = header.end
            guard let code = cursor.uleb() else { return nil }
            if code == 0 { return result }  // the null entry ending the list
            guard let abbrev = abbrevs(code) else { return nil }
            let child: Entry
            if wanted(UInt64(abbrev.tag)) {
                guard let read = self.entry(at: position), !read.unsupported else { return nil }
                child = read
                result.append(read)
            } else {
                var skipped = Entry(offset: position, tag: UInt64(abbrev.tag), hasChildren: abbrev.hasChildren, end: 0)
                if !abbrev.hasChildren {
                    guard abbrevs.skipAttributes(of: abbrev, &cursor, unit) else { return nil }
                } else if let sibling = abbrevs.sibling(of: abbrev, at: cursor, unit), sibling > cursor.position,
                    sibling <= header.end
                {
                    // Where the next sibling is, read without going over the other values.
                    skipped.sibling = sibling
                    skipped.end = cursor.position
                    guard let next = nextSibling(of: skipped) else { return nil }
                    position = next
                    continue
                }
                for index in abbrev.attributeIndices where abbrev.hasChildren {
                    let attribute = abbrevs.attributes[index]
                    if abbrev.hasChildren, Int(attribute.name) == DW_AT_sibling {
                        var peek = cursor
                        skipped.sibling = FormReader.unitReference(form: UInt64(attribute.form), &peek, unit)
                    }
                    guard FormReader.skip(form: UInt64(attribute.form), &cursor, unit) else { return nil }
                }
                skipped.end = cursor.position
                child = skipped
            }
            guard let next = nextSibling(of: child) else { return nil }
            position = next
        }
    }

    /// Where the DIE after `entry` and its subtree starts.
    private func nextSibling(of entry: Entry) -> Int? {
        guard entry.hasChildren else { return entry.end }
        if let sibling = entry.sibling, sibling > entry.end, sibling <= header.end { return sibling }
        var position = entry.end
        var depth = 1
        let unit = header.forms
        while depth > 0 {
            var cursor = ByteCursor(bytes: sections.info, position: position)
            cursor.limit = header.end
            guard let code = cursor.uleb() else { return nil }
            if code == 0 {
                depth -= 1
                position = cursor.position
                continue
            }
            guard let abbrev = abbrevs(code), depth < 64, abbrevs.skipAttributes(of: abbrev, &cursor, unit) else {
                return nil
            }
            if abbrev.hasChildren { depth += 1 }
            position = cursor.position
        }
        return position
    }

    /// What ``name(of:)`` found.
    enum NameLookup {
        case name(String)
        /// The DIE and those it refers to have no name.
        case none
        /// A reference or form on the way could not be followed.
        case unknown
    }

    /// The scope's name: its own `DW_AT_name`, else through `DW_AT_abstract_origin`
    /// and `DW_AT_specification` (as `dwarf_attr_integrate` follows them).
    func name(of entry: Entry) -> NameLookup {
        var current = entry
        for _ in 0..<16 {
            if let (form, position) = current.name {
                var cursor = ByteCursor(bytes: sections.info, position: position)
                cursor.limit = header.end
                guard let name = readString(form, &cursor) else { return .unknown }
                return .name(name)
            }
            if current.unsupported { return .unknown }
            guard let next = current.abstractOrigin ?? current.specification else { return .none }
            guard let target = self.entry(at: next) else { return .unknown }
            current = target
        }
        return .unknown
    }

    /// A target address (`DW_FORM_addr`) of the unit's size.
    func address(_ cursor: inout ByteCursor) -> UInt64? {
        header.addressSize == 8 ? cursor.u64() : cursor.u32().map(UInt64.init)
    }

    private func isAddressIndex(_ form: UInt64) -> Bool {
        switch Int(form) {
        case DW_FORM_addrx, DW_FORM_addrx1, DW_FORM_addrx2, DW_FORM_addrx3, DW_FORM_addrx4: return true
        default: return false
        }
    }

    private func readAddress(_ form: UInt64, _ cursor: inout ByteCursor) -> UInt64? {
        let index: UInt64?
        switch Int(form) {
        case DW_FORM_addr: return address(&cursor)
        case DW_FORM_addrx: index = cursor.uleb()
        case DW_FORM_addrx1: index = cursor.u8().map(UInt64.init)
        case DW_FORM_addrx2: index = cursor.u16().map(UInt64.init)
        case DW_FORM_addrx3: index = cursor.u24().map(UInt64.init)
        case DW_FORM_addrx4: index = cursor.u32().map(UInt64.init)
        default: return nil
        }
        return index.flatMap(indexedAddress)
    }

    /// Entry `index` of the unit's `.debug_addr` table.
    func indexedAddress(_ index: UInt64) -> UInt64? {
        guard let table = sections.addresses, let index = Int(exactly: index) else { return nil }
        var cursor = ByteCursor(bytes: table, position: addressBase + index * header.addressSize)
        return address(&cursor)
    }

    private func readUnsigned(_ form: UInt64, _ attribute: AbbrevTable.Attribute, _ cursor: inout ByteCursor)
        -> UInt64?
    {
        switch Int(form) {
        case DW_FORM_data1: return cursor.u8().map(UInt64.init)
        case DW_FORM_data2: return cursor.u16().map(UInt64.init)
        case DW_FORM_data4: return cursor.u32().map(UInt64.init)
        case DW_FORM_data8: return cursor.u64()
        case DW_FORM_udata: return cursor.uleb()
        case DW_FORM_sdata: return cursor.sleb().map { UInt64(bitPattern: $0) }
        case DW_FORM_implicit_const: return UInt64(bitPattern: abbrevs.implicitConstant(attribute))
        default: return nil
        }
    }

    /// A section offset (`DW_FORM_sec_offset`, or `data4`/`data8` in DWARF 4).
    func readOffset(_ form: UInt64, _ cursor: inout ByteCursor) -> Int? {
        switch Int(form) {
        case DW_FORM_sec_offset, DW_FORM_data4: return cursor.u32().map { Int($0) }
        case DW_FORM_data8: return cursor.u64().flatMap { Int(exactly: $0) }
        default: return nil
        }
    }

    private func readString(_ form: UInt64, _ cursor: inout ByteCursor) -> String? {
        switch Int(form) {
        case DW_FORM_string:
            let start = cursor.position
            guard cursor.skipString() else { return nil }
            return ByteCursor.string(in: sections.info, at: start)
        case DW_FORM_strp:
            guard let offset = cursor.u32(), let strings = sections.strings else { return nil }
            return ByteCursor.string(in: strings, at: Int(offset))
        case DW_FORM_line_strp:
            guard let offset = cursor.u32(), let strings = sections.lineStrings else { return nil }
            return ByteCursor.string(in: strings, at: Int(offset))
        case DW_FORM_strx, DW_FORM_strx1, DW_FORM_strx2, DW_FORM_strx3, DW_FORM_strx4:
            let index: UInt64?
            switch Int(form) {
            case DW_FORM_strx1: index = cursor.u8().map(UInt64.init)
            case DW_FORM_strx2: index = cursor.u16().map(UInt64.init)
            case DW_FORM_strx3: index = cursor.u24().map(UInt64.init)
            case DW_FORM_strx4: index = cursor.u32().map(UInt64.init)
            default: index = cursor.uleb()
            }
            guard let index = index.flatMap({ Int(exactly: $0) }), let table = sections.stringOffsets,
                let strings = sections.strings
            else { return nil }
            var entry = ByteCursor(bytes: table, position: stringOffsetsBase + index * 4)
            return entry.u32().flatMap { ByteCursor.string(in: strings, at: Int($0)) }
        default:
            return nil
        }
    }
}
