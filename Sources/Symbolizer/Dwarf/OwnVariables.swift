internal import CLibdw

/// The variables in scope at a PC read by ksymbolize's own DIE reader
/// (``UnitDies``), for the units it reads itself (vmlinux, x86-64 modules):
/// libdw would first read every unit header before the one asked for, which
/// in vmlinux costs ~100 MB of page faults. Anything it does not know (a
/// form, a reference into another unit, `DW_FORM_loclistx`) hands the whole
/// answer back to libdw (`nil`).
extension DwarfModule {
    func ownVariables(at address: UInt64) -> [ScopedVariable]? {
        guard dwarfError == nil, let unit = unit(containing: address), let dies = unit.ownDies else { return nil }
        let pc = address &- unit.bias
        let chain = unit.scopes.chain(at: pc)
        guard !chain.isEmpty else { return nil }
        backend.prepareLocationLists()
        let reader = OwnVariableReader(dies: dies, pc: pc, module: self)
        var result: [ScopedVariable] = []
        for scope in chain {
            guard let entry = dies.entry(at: unit.scopes.die(scope)), !entry.unsupported,
                reader.collect(in: entry, function: unit.scopes.name(scope), into: &result)
            else { return nil }
        }
        return result
    }
}

/// Reads one unit's variables, locations and types.
private struct OwnVariableReader {
    let dies: UnitDies
    let pc: UInt64
    let module: DwarfModule

    /// The parameters and variables directly in `scope`, and in its lexical blocks that hold the PC.
    func collect(in scope: UnitDies.Entry, function: String?, into result: inout [ScopedVariable]) -> Bool {
        let wanted: (UInt64) -> Bool = {
            Int($0) == DW_TAG_formal_parameter || Int($0) == DW_TAG_variable || Int($0) == DW_TAG_lexical_block
        }
        guard let children = dies.children(of: scope, matching: wanted) else { return false }
        for child in children {
            if Int(child.tag) == DW_TAG_lexical_block {
                guard let ranges = dies.ranges(of: child) else { return false }
                if ranges.all.contains(where: { $0.contains(pc) }) {
                    guard collect(in: child, function: function, into: &result) else { return false }
                }
                continue
            }
            guard case .name(let name) = dies.name(of: child) else { continue }
            let declared = child.abstractOrigin.flatMap { dies.entry(at: $0) }
            let type = (child.type ?? declared?.type).flatMap(resolvedType)
            var isPointer = false
            var pointee: StructLayout?
            if let type, Int(type.tag) == DW_TAG_pointer_type {
                isPointer = true
                pointee = type.type.flatMap(resolvedType).flatMap(layout)
            }
            guard let place = place(of: child) else { return false }
            result.append(
                ScopedVariable(
                    name: name, isParameter: Int(child.tag) == DW_TAG_formal_parameter, function: function, place: place,
                    pointee: pointee, isPointer: isPointer))
        }
        return true
    }

    /// Where the variable is at the PC; `nil` when its location cannot be read here.
    private func place(of entry: UnitDies.Entry) -> ScopedVariable.Place? {
        guard let (form, position) = entry.location else {
            return .elsewhere("optimized out")
        }
        var cursor = ByteCursor(bytes: dies.sections.info, position: position)
        cursor.limit = dies.header.end
        switch Int(form) {
        case DW_FORM_exprloc, DW_FORM_block:
            guard let length = cursor.uleb().flatMap({ Int(exactly: $0) }) else { return nil }
            return Self.evaluate(dies.sections.info, cursor.position, length)
        case DW_FORM_block1:
            guard let length = cursor.u8() else { return nil }
            return Self.evaluate(dies.sections.info, cursor.position, Int(length))
        case DW_FORM_sec_offset, DW_FORM_data4, DW_FORM_data8:
            guard let offset = dies.readOffset(form, &cursor) else { return nil }
            return dies.header.version >= 5 ? locationList(at: offset) : legacyLocationList(at: offset)
        default:
            return nil
        }
    }

    /// DWARF 5 `.debug_loclists`: the entry covering the PC.
    private func locationList(at offset: Int) -> ScopedVariable.Place? {
        guard let section = module.sectionBuffer(".debug_loclists") else { return nil }
        var cursor = ByteCursor(bytes: section, position: offset)
        var base = dies.baseAddress
        var fallback: ScopedVariable.Place?
        while let kind = cursor.u8() {
            var range: Range<UInt64>?
            switch Int(kind) {
            case DW_LLE_end_of_list:
                return fallback ?? .elsewhere("not available at this address")
            case DW_LLE_base_addressx:
                guard let address = cursor.uleb().flatMap(dies.indexedAddress) else { return nil }
                base = address
                continue
            case DW_LLE_base_address:
                guard let address = dies.address(&cursor) else { return nil }
                base = address
                continue
            case DW_LLE_startx_endx:
                guard let start = cursor.uleb().flatMap(dies.indexedAddress),
                    let end = cursor.uleb().flatMap(dies.indexedAddress)
                else { return nil }
                range = start..<max(start, end)
            case DW_LLE_startx_length:
                guard let start = cursor.uleb().flatMap(dies.indexedAddress), let length = cursor.uleb() else { return nil }
                range = start..<(start &+ length)
            case DW_LLE_offset_pair:
                guard let low = cursor.uleb(), let high = cursor.uleb() else { return nil }
                range = (base &+ low)..<max(base &+ low, base &+ high)
            case DW_LLE_default_location:
                range = nil
            case DW_LLE_start_end:
                guard let start = dies.address(&cursor), let end = dies.address(&cursor) else { return nil }
                range = start..<max(start, end)
            case DW_LLE_start_length:
                guard let start = dies.address(&cursor), let length = cursor.uleb() else { return nil }
                range = start..<(start &+ length)
            default:
                return nil
            }
            guard let length = cursor.uleb().flatMap({ Int(exactly: $0) }) else { return nil }
            let expression = cursor.position
            guard cursor.advance(length) else { return nil }
            if let range {
                if range.contains(pc) { return Self.evaluate(section, expression, length) }
            } else {
                fallback = Self.evaluate(section, expression, length)
            }
        }
        return nil
    }

    /// DWARF 4 `.debug_loc`: address pairs relative to the unit's base, a 2-byte length, the expression.
    private func legacyLocationList(at offset: Int) -> ScopedVariable.Place? {
        guard let section = module.sectionBuffer(".debug_loc") else { return nil }
        var cursor = ByteCursor(bytes: section, position: offset)
        var base = dies.baseAddress
        let selection: UInt64 = dies.header.addressSize == 8 ? ~0 : 0xffff_ffff
        while let start = dies.address(&cursor), let end = dies.address(&cursor) {
            if start == 0 && end == 0 { return .elsewhere("not available at this address") }
            if start == selection {
                base = end
                continue
            }
            guard let length = cursor.u16() else { return nil }
            let expression = cursor.position
            guard cursor.advance(Int(length)) else { return nil }
            if ((base &+ start)..<max(base &+ start, base &+ end)).contains(pc) {
                return Self.evaluate(section, expression, Int(length))
            }
        }
        return nil
    }

    /// The first operation of a location expression, as a place (see ``ScopedVariable/Place``).
    static func evaluate(_ bytes: UnsafeRawBufferPointer, _ position: Int, _ length: Int) -> ScopedVariable.Place? {
        var cursor = ByteCursor(bytes: bytes, position: position)
        cursor.limit = min(bytes.count, position + length)
        guard length > 0, let atom = cursor.u8() else { return .elsewhere("an empty location") }
        var operand: Int?
        if Int32(atom) == Int32(DW_OP_regx) {
            guard let number = cursor.uleb().flatMap({ Int(exactly: $0) }) else { return nil }
            operand = number
        }
        let alone = cursor.position == cursor.limit
        let thenPiece = !alone && cursor.u8().map { Int32($0) } == Int32(DW_OP_piece)
        return ScopedVariable.Place(firstAtom: atom, register: operand, alone: alone, thenPiece: thenPiece)
    }

    /// The type at `offset` with typedefs and qualifiers looked through.
    private func resolvedType(_ offset: Int) -> UnitDies.Entry? {
        var current = dies.entry(at: offset)
        for _ in 0..<8 {
            guard let entry = current else { return nil }
            switch Int(entry.tag) {
            case DW_TAG_typedef, DW_TAG_const_type, DW_TAG_volatile_type, DW_TAG_restrict_type, DW_TAG_atomic_type:
                current = entry.type.flatMap { dies.entry(at: $0) }
            default:
                return entry
            }
        }
        return nil
    }

    /// A struct's or union's members, nested ones flattened (as ``StructLayout`` wants).
    private func layout(_ type: UnitDies.Entry) -> StructLayout? {
        let tag = Int(type.tag)
        guard tag == DW_TAG_structure_type || tag == DW_TAG_union_type else { return nil }
        var members: [StructLayout.Member] = []
        collectMembers(of: type, base: 0, prefix: "", into: &members, depth: 0)
        let name: String
        if case .name(let own) = dies.name(of: type) { name = own } else { name = "(anonymous)" }
        return StructLayout(name: (tag == DW_TAG_union_type ? "union " : "struct ") + name, size: type.byteSize ?? 0, members: members)
    }

    private func collectMembers(
        of type: UnitDies.Entry, base: UInt64, prefix: String, into members: inout [StructLayout.Member], depth: Int
    ) {
        guard depth < 4, let children = dies.children(of: type, matching: { Int($0) == DW_TAG_member }) else { return }
        for member in children {
            let offset = base &+ (member.memberOffset ?? 0)
            let name: String?
            if case .name(let own) = dies.name(of: member) { name = own } else { name = nil }
            let memberType = member.type.flatMap(resolvedType)
            if let memberType, [DW_TAG_structure_type, DW_TAG_union_type].contains(Int(memberType.tag)) {
                collectMembers(
                    of: memberType, base: offset, prefix: name.map { prefix + $0 + "." } ?? prefix, into: &members,
                    depth: depth + 1)
            }
            if let name { members.append(.init(name: prefix + name, offset: offset, size: memberType?.byteSize ?? 0)) }
        }
    }
}
