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

    /// DIE offsets (in `.debug_info`) of the subprograms with a `low_pc` or
    /// `ranges` attribute among the top-level DIEs of the unit at
    /// `unitOffset` (looking into namespaces and lexical blocks).
    func subprograms(unitOffset: Int) -> [Dwarf_Off]? {
        guard let header = UnitHeader(info: info, offset: unitOffset),
            let abbrevs = AbbrevTable(abbrev: abbrev, offset: header.abbrevOffset)
        else { return nil }
        return subprograms(header: header, abbrevs: abbrevs)
    }

    /// ``subprograms(unitOffset:)`` for a unit whose header and abbreviations are already read.
    func subprograms(header: UnitHeader, abbrevs: AbbrevTable) -> [Dwarf_Off]? {
        let sizes = header.forms
        var cursor = ByteCursor(bytes: info, position: header.firstDie)
        cursor.limit = header.end
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
        _ cursor: inout ByteCursor, _ abbrevs: AbbrevTable, _ sizes: FormContext, depth: Int,
        into found: inout [Dwarf_Off]
    ) -> Bool {
        guard depth < 64 else { return false }
        while true {
            let offset = cursor.position
            guard let code = cursor.uleb() else { return false }
            if code == 0 { return true }
            guard let abbrev = abbrevs(code) else { return false }
            if Int(abbrev.tag) == DW_TAG_subprogram && abbrev.hasCode { found.append(Dwarf_Off(offset)) }
            let lookInside = Int(abbrev.tag) == DW_TAG_namespace || Int(abbrev.tag) == DW_TAG_lexical_block
            guard abbrev.hasChildren else {
                guard skipAttributes(abbrev, abbrevs, &cursor, sizes) else { return false }
                continue
            }
            // Most DIEs with children say early where their sibling is: go there at once.
            if !lookInside, let sibling = abbrevs.sibling(of: abbrev, at: cursor, sizes), sibling > cursor.position,
                sibling <= sizes.end
            {
                cursor.position = sibling
                continue
            }
            var sibling: Int?
            for index in abbrev.attributeIndices {
                let attribute = abbrevs.attributes[index]
                if Int(attribute.name) == DW_AT_sibling && !lookInside {
                    guard let target = FormReader.unitReference(form: UInt64(attribute.form), &cursor, sizes) else {
                        return false
                    }
                    sibling = target
                } else if !FormReader.skip(form: UInt64(attribute.form), &cursor, sizes) {
                    return false
                }
            }
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
        _ cursor: inout ByteCursor, _ abbrevs: AbbrevTable, _ sizes: FormContext, depth: Int,
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

    private func skipAttributes(
        _ abbrev: AbbrevTable.Abbrev, _ abbrevs: AbbrevTable, _ cursor: inout ByteCursor, _ sizes: FormContext
    ) -> Bool {
        abbrevs.skipAttributes(of: abbrev, &cursor, sizes)
    }
}
