internal import CLibdw

/// Finds the subprograms with code at the top level of a compilation unit
/// by reading `.debug_info` and `.debug_abbrev` directly: the one walk
/// ksymbolize does over every DIE of a CU it touches (types, variables,
/// declarations: mostly things it skips), without libdw's per-DIE abbrev
/// lookups. Only DWARF 4/5, 32-bit format, in host byte order; anything it
/// does not know makes it give up (`nil`), and the caller walks with libdw.
struct TopLevelScanner {
    let info: UnsafeRawBufferPointer
    let abbrev: UnsafeRawBufferPointer

    private struct Attribute {
        var name: UInt64
        var form: UInt64
    }

    private struct Abbrev {
        var tag: UInt64 = 0
        var hasChildren = false
        /// `attributes[first..<first + count]` of the table.
        var first: Int32 = 0
        var count: Int32 = 0
        /// Whether the DIE may have code (`DW_AT_low_pc` or `DW_AT_ranges`).
        var hasCode = false
        var known = false
    }

    /// One unit's abbreviations, by code (GCC numbers them densely from 1).
    private struct Abbrevs {
        var entries: [Abbrev] = []
        var attributes: [Attribute] = []

        func callAsFunction(_ code: UInt64) -> Abbrev? {
            guard code < UInt64(entries.count) else { return nil }
            let entry = entries[Int(code)]
            return entry.known ? entry : nil
        }
    }

    /// DIE offsets (in `.debug_info`) of the subprograms with a `low_pc` or
    /// `ranges` attribute among the top-level DIEs of the unit at
    /// `unitOffset` (looking into namespaces and lexical blocks).
    func subprograms(unitOffset: Int) -> [Dwarf_Off]? {
        var cursor = ByteCursor(bytes: info, position: unitOffset)
        guard let length = cursor.u32(), length < 0xffff_fff0 else { return nil }
        let end = unitOffset + 4 + Int(length)
        guard end <= info.count, let version = cursor.u16(), version == 4 || version == 5 else { return nil }
        let abbrevOffset: UInt32
        let addressSize: UInt8
        if version == 5 {
            guard let unitType = cursor.u8(), unitType == 1 /* DW_UT_compile */ || unitType == 3 /* DW_UT_partial */,
                let size = cursor.u8(), let offset = cursor.u32()
            else { return nil }
            (addressSize, abbrevOffset) = (size, offset)
        } else {
            guard let offset = cursor.u32(), let size = cursor.u8() else { return nil }
            (addressSize, abbrevOffset) = (size, offset)
        }
        guard addressSize == 4 || addressSize == 8, let abbrevs = readAbbrevs(at: Int(abbrevOffset)) else { return nil }
        let sizes = FormSizes(addressSize: Int(addressSize), unitStart: unitOffset, end: end)
        cursor.limit = end
        // The CU DIE itself, then its children.
        guard let cuCode = cursor.uleb(), cuCode != 0, let cuAbbrev = abbrevs(cuCode),
            skipAttributes(cuAbbrev, abbrevs, &cursor, sizes)
        else { return nil }
        guard cuAbbrev.hasChildren else { return [] }
        var found: [Dwarf_Off] = []
        guard scanChildren(&cursor, abbrevs, sizes, depth: 0, into: &found) else { return nil }
        return found
    }

    /// Reads sibling DIEs up to their terminating null entry.
    private func scanChildren(
        _ cursor: inout ByteCursor, _ abbrevs: Abbrevs, _ sizes: FormSizes, depth: Int,
        into found: inout [Dwarf_Off]
    ) -> Bool {
        guard depth < 64 else { return false }
        while true {
            let offset = cursor.position
            guard let code = cursor.uleb() else { return false }
            if code == 0 { return true }
            guard let abbrev = abbrevs(code) else { return false }
            if abbrev.tag == UInt64(DW_TAG_subprogram) && abbrev.hasCode { found.append(Dwarf_Off(offset)) }
            let lookInside = abbrev.tag == UInt64(DW_TAG_namespace) || abbrev.tag == UInt64(DW_TAG_lexical_block)
            var sibling: Int?
            for index in Int(abbrev.first)..<Int(abbrev.first + abbrev.count) {
                let attribute = abbrevs.attributes[index]
                if attribute.name == UInt64(DW_AT_sibling) && !lookInside {
                    guard let target = readReference(attribute.form, &cursor, sizes) else { return false }
                    sibling = target
                } else if !skip(form: attribute.form, &cursor, sizes) {
                    return false
                }
            }
            guard abbrev.hasChildren else { continue }
            if let sibling, sibling > cursor.position, sibling <= sizes.end {
                cursor.position = sibling
            } else if lookInside {
                guard scanChildren(&cursor, abbrevs, sizes, depth: depth + 1, into: &found) else { return false }
            } else {
                var ignored: [Dwarf_Off] = []
                guard skipChildren(&cursor, abbrevs, sizes, depth: depth + 1, scratch: &ignored) else { return false }
            }
        }
    }

    /// Skips a subtree that has no `DW_AT_sibling`.
    private func skipChildren(
        _ cursor: inout ByteCursor, _ abbrevs: Abbrevs, _ sizes: FormSizes, depth: Int,
        scratch: inout [Dwarf_Off]
    ) -> Bool {
        guard depth < 64 else { return false }
        while true {
            guard let code = cursor.uleb() else { return false }
            if code == 0 { return true }
            guard let abbrev = abbrevs(code), skipAttributes(abbrev, abbrevs, &cursor, sizes) else { return false }
            if abbrev.hasChildren, !skipChildren(&cursor, abbrevs, sizes, depth: depth + 1, scratch: &scratch) {
                return false
            }
        }
    }

    private func skipAttributes(_ abbrev: Abbrev, _ abbrevs: Abbrevs, _ cursor: inout ByteCursor, _ sizes: FormSizes)
        -> Bool
    {
        for index in Int(abbrev.first)..<Int(abbrev.first + abbrev.count)
        where !skip(form: abbrevs.attributes[index].form, &cursor, sizes) {
            return false
        }
        return true
    }

    /// The unit-relative or section reference of a `DW_AT_sibling`, as a section offset.
    private func readReference(_ form: UInt64, _ cursor: inout ByteCursor, _ sizes: FormSizes) -> Int? {
        let unitStart = sizes.unitStart
        switch Int(truncatingIfNeeded: form) {
        case DW_FORM_ref1: return cursor.u8().map { unitStart + Int($0) }
        case DW_FORM_ref2: return cursor.u16().map { unitStart + Int($0) }
        case DW_FORM_ref4: return cursor.u32().map { unitStart + Int($0) }
        case DW_FORM_ref8: return cursor.u64().map { unitStart &+ Int(truncatingIfNeeded: $0) }
        case DW_FORM_ref_udata: return cursor.uleb().map { unitStart &+ Int(truncatingIfNeeded: $0) }
        default: return nil
        }
    }

    private func skip(form: UInt64, _ cursor: inout ByteCursor, _ sizes: FormSizes) -> Bool {
        switch Int(truncatingIfNeeded: form) {
        case DW_FORM_flag_present, DW_FORM_implicit_const: return true
        case DW_FORM_addr: return cursor.advance(sizes.addressSize)
        case DW_FORM_data1, DW_FORM_ref1, DW_FORM_flag, DW_FORM_strx1, DW_FORM_addrx1: return cursor.advance(1)
        case DW_FORM_data2, DW_FORM_ref2, DW_FORM_strx2, DW_FORM_addrx2: return cursor.advance(2)
        case DW_FORM_strx3, DW_FORM_addrx3: return cursor.advance(3)
        case DW_FORM_data4, DW_FORM_ref4, DW_FORM_strx4, DW_FORM_addrx4, DW_FORM_strp, DW_FORM_line_strp,
            DW_FORM_sec_offset, DW_FORM_ref_addr, DW_FORM_strp_sup, DW_FORM_ref_sup4:
            return cursor.advance(4)
        case DW_FORM_data8, DW_FORM_ref8, DW_FORM_ref_sig8, DW_FORM_ref_sup8: return cursor.advance(8)
        case DW_FORM_data16: return cursor.advance(16)
        case DW_FORM_sdata, DW_FORM_udata, DW_FORM_ref_udata, DW_FORM_strx, DW_FORM_addrx, DW_FORM_loclistx,
            DW_FORM_rnglistx:
            return cursor.uleb() != nil
        case DW_FORM_string: return cursor.skipString()
        case DW_FORM_exprloc, DW_FORM_block: return cursor.uleb().map { cursor.advance(Int(truncatingIfNeeded: $0)) } ?? false
        case DW_FORM_block1: return cursor.u8().map { cursor.advance(Int($0)) } ?? false
        case DW_FORM_block2: return cursor.u16().map { cursor.advance(Int($0)) } ?? false
        case DW_FORM_block4: return cursor.u32().map { cursor.advance(Int($0)) } ?? false
        case DW_FORM_indirect:
            guard let actual = cursor.uleb(), actual != UInt64(DW_FORM_indirect) else { return false }
            return skip(form: actual, &cursor, sizes)
        default: return false
        }
    }

    private func readAbbrevs(at offset: Int) -> Abbrevs? {
        var cursor = ByteCursor(bytes: abbrev, position: offset)
        var table = Abbrevs()
        while true {
            guard let code = cursor.uleb() else { return nil }
            if code == 0 { return table }
            guard code < 1 << 16, let tag = cursor.uleb(), let children = cursor.u8() else { return nil }
            var entry = Abbrev(tag: tag, hasChildren: children != 0, first: Int32(table.attributes.count))
            while true {
                guard let name = cursor.uleb(), let form = cursor.uleb() else { return nil }
                if name == 0 && form == 0 { break }
                if form == UInt64(DW_FORM_implicit_const) { guard cursor.sleb() != nil else { return nil } }
                if name == UInt64(DW_AT_low_pc) || name == UInt64(DW_AT_ranges) { entry.hasCode = true }
                table.attributes.append(Attribute(name: name, form: form))
            }
            entry.count = Int32(table.attributes.count) - entry.first
            entry.known = true
            if Int(code) >= table.entries.count {
                table.entries += Array(repeating: Abbrev(), count: Int(code) + 1 - table.entries.count)
            }
            table.entries[Int(code)] = entry
        }
    }

    private struct FormSizes {
        var addressSize: Int
        var unitStart: Int
        var end: Int
    }
}
