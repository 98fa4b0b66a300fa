internal import CLibdw

/// A parameter or local variable in scope at an instruction, and where DWARF
/// says its value is there.
struct ScopedVariable: Sendable, Equatable {
    enum Place: Sendable, Equatable {
        /// The whole value (or, with `piece`, its first piece) is in this DWARF register.
        case register(Int, piece: Bool)
        /// Not in a register here, or not in a way ksymbolize evaluates; why.
        case elsewhere(String)
    }

    var name: String
    var isParameter: Bool
    /// The function whose scope it is (the inlined function for an inlined scope).
    var function: String?
    var place: Place
    /// When the variable is a pointer to a struct or union: its layout.
    var pointee: StructLayout?
    /// Whether the variable is a pointer (of any type).
    var isPointer = false
}

extension ScopedVariable.Place {
    /// What a location expression's first operation says: a register (alone,
    /// or the first piece), or where else the value is. `register` is
    /// `DW_OP_regx`'s operand.
    init(firstAtom atom: UInt8, register operand: Int?, alone: Bool, thenPiece: Bool) {
        let op = Int32(atom)
        switch op {
        case Int32(DW_OP_reg0)...Int32(DW_OP_reg31) where alone || thenPiece:
            self = .register(Int(op - Int32(DW_OP_reg0)), piece: thenPiece)
        case Int32(DW_OP_regx) where (alone || thenPiece) && operand != nil:
            self = .register(operand!, piece: thenPiece)
        case Int32(DW_OP_entry_value), Int32(DW_OP_GNU_entry_value):
            self = .elsewhere("only its value at function entry is known (DW_OP_entry_value)")
        case Int32(DW_OP_fbreg), Int32(DW_OP_breg0)...Int32(DW_OP_breg31), Int32(DW_OP_bregx), Int32(DW_OP_addr):
            self = .elsewhere("in memory")
        case Int32(DW_OP_reg0)...Int32(DW_OP_reg31), Int32(DW_OP_regx), Int32(DW_OP_implicit_value),
            Int32(DW_OP_lit0)...Int32(DW_OP_lit31), Int32(DW_OP_constu), Int32(DW_OP_consts):
            self = .elsewhere("a computed value")
        default:
            self = .elsewhere("a DWARF expression ksymbolize does not evaluate (DW_OP 0x" + hex(UInt64(atom)) + ")")
        }
    }
}

/// The members of a struct or union, flattened: nested structs' members
/// named `outer.inner` at their offsets from the start.
struct StructLayout: Sendable, Equatable {
    struct Member: Sendable, Equatable {
        var name: String
        var offset: UInt64
        var size: UInt64
    }

    /// `struct crash_obj`.
    var name: String
    var size: UInt64
    var members: [Member]

    /// The member at byte `offset`: `value`, or `list.next`, or `value+0x2`
    /// inside one; `nil` when no member (or more than one, in a union) holds it.
    func member(at offset: Int64) -> String? {
        guard offset >= 0 else { return nil }
        let position = UInt64(offset)
        let holding = members.filter { position >= $0.offset && position < $0.offset &+ max($0.size, 1) }
        // The innermost: the longest name among the members starting latest.
        guard let best = holding.max(by: { ($0.offset, $0.name.count) < ($1.offset, $1.name.count) }) else { return nil }
        let rivals = holding.filter { $0.offset == best.offset && !best.name.hasPrefix($0.name + ".") && $0.name != best.name }
        guard rivals.isEmpty else { return nil }
        return position == best.offset ? best.name : best.name + "+0x" + hex(position - best.offset)
    }
}

extension DwarfModule {
    /// The parameters and variables in scope at `address` (a session
    /// address), innermost scope first: inlined functions' own, then their
    /// callers' up to the containing function. `nil` when DWARF has no unit for it.
    ///
    /// Remembered per address: a binary kept loaded by a service is asked
    /// again for the same PC by every request for the same crash.
    func variables(at address: UInt64) -> [ScopedVariable]? {
        if let known = variablesAt[address] { return known }
        let found = readVariables(at: address)
        if variablesAt.count >= 4096 { variablesAt.removeAll() }
        variablesAt[address] = .some(found)
        return found
    }

    private func readVariables(at address: UInt64) -> [ScopedVariable]? {
        if options.readUnits, let own = ownVariables(at: address) { return own }
        guard dwarfError == nil,
            let found = ownIndexUnitDie(containing: address) ?? backend.unitDie(containing: address)
                ?? unitDieByRanges(containing: address)
        else { return nil }
        var unit = found.die
        let bias = found.bias
        backend.prepare(unitDieAt: dwarf_dieoffset(&unit))
        backend.prepareLocationLists()
        let pc = address &- bias
        // The concrete scopes holding the PC, outermost first: subprogram,
        // lexical blocks, inlined subroutines (dwarf_getscopes would follow an
        // inlined function into its abstract definition, not its callers).
        var chain: [Dwarf_Die] = []
        var parent = unit
        while chain.count < 64 {
            var child = Dwarf_Die()
            guard dwarf_child(&parent, &child) == 0 else { break }
            var next: Dwarf_Die?
            repeat {
                let tag = Int(dwarf_tag(&child))
                if tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block,
                    dwarf_haspc(&child, pc) > 0
                {
                    next = child
                    break
                }
            } while Self.nextSibling(&child)
            guard let found = next else { break }
            chain.append(found)
            parent = found
        }
        guard !chain.isEmpty else { return [] }
        let count = chain.count
        var scopes = Array(chain.reversed())
        var result: [ScopedVariable] = []
        var functionName: String?
        // The function of each scope: the nearest inlined subroutine or subprogram outward.
        var functions: [String?] = Array(repeating: nil, count: count)
        for index in stride(from: count - 1, through: 0, by: -1) {
            let tag = Int(dwarf_tag(&scopes[index]))
            if tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine {
                functionName = Self.attributeString(&scopes[index], DW_AT_name)
            }
            functions[index] = functionName
        }
        for index in 0..<count {
            let tag = Int(dwarf_tag(&scopes[index]))
            guard tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block else {
                continue
            }
            var child = Dwarf_Die()
            guard dwarf_child(&scopes[index], &child) == 0 else { continue }
            repeat {
                let childTag = Int(dwarf_tag(&child))
                if childTag == DW_TAG_formal_parameter || childTag == DW_TAG_variable,
                    let name = Self.attributeString(&child, DW_AT_name)
                {
                    result.append(
                        ScopedVariable(
                            name: name, isParameter: childTag == DW_TAG_formal_parameter, function: functions[index],
                            place: Self.place(of: &child, pc: pc), pointee: Self.pointee(of: &child),
                            isPointer: Self.isPointer(&child)))
                }
            } while Self.nextSibling(&child)
        }
        return result
    }

    /// The CU DIE of the unit ksymbolize's own `.debug_aranges` index finds
    /// for `address`: libdw reaches it by its offset, without building its
    /// own address table (which reads every unit header first).
    private func ownIndexUnitDie(containing address: UInt64) -> (die: Dwarf_Die, bias: Dwarf_Addr)? {
        guard let own = ownDwarf, let unitOffset = own.index.unit(containing: address &- own.bias),
            let header = UnitHeader(info: own.sections.info, offset: unitOffset)
        else { return nil }
        backend.prepare(unitAt: unitOffset)
        guard let dwarf = own.libdw() else { return nil }
        var die = Dwarf_Die()
        guard dwarf_offdie(dwarf, Dwarf_Off(header.firstDie), &die) != nil else { return nil }
        return (die, own.bias)
    }

    /// The CU DIE whose ranges hold `address`, found by walking every unit
    /// (no `.debug_aranges`, where libdw's lookup finds nothing).
    private func unitDieByRanges(containing address: UInt64) -> (die: Dwarf_Die, bias: Dwarf_Addr)? {
        var found: (die: Dwarf_Die, bias: Dwarf_Addr)?
        backend.forEachUnitDie { die, bias in
            guard found == nil else { return }
            var unit = die
            if dwarf_haspc(&unit, address &- bias) > 0 { found = (unit, bias) }
        }
        return found
    }

    /// Where the variable's value is at `pc`, as far as one register says it.
    private static func place(of die: inout Dwarf_Die, pc: Dwarf_Addr) -> ScopedVariable.Place {
        var attribute = Dwarf_Attribute()
        guard dwarf_attr(&die, UInt32(DW_AT_location), &attribute) != nil else {
            return .elsewhere(dwarf_hasattr(&die, UInt32(DW_AT_const_value)) != 0 ? "a constant" : "optimized out")
        }
        var expression: UnsafeMutablePointer<Dwarf_Op>?
        var length = 0
        let found = dwarf_getlocation_addr(&attribute, pc, &expression, &length, 1)
        guard found > 0, let expression, length > 0 else {
            return .elsewhere(found < 0 ? "location not readable: \(LibraryErrors.dwarf)" : "not available at this address")
        }
        let first = expression[0]
        return ScopedVariable.Place(
            firstAtom: first.atom, register: Int(exactly: first.number), alone: length == 1,
            thenPiece: length > 1 && expression[1].atom == UInt8(DW_OP_piece))
    }

    /// The struct or union a pointer variable points to, when it is one.
    private static func isPointer(_ die: inout Dwarf_Die) -> Bool {
        guard var type = typeDie(of: &die) else { return false }
        return Int(dwarf_tag(&type)) == DW_TAG_pointer_type
    }

    private static func pointee(of die: inout Dwarf_Die) -> StructLayout? {
        guard var type = typeDie(of: &die), Int(dwarf_tag(&type)) == DW_TAG_pointer_type, var target = typeDie(of: &type)
        else { return nil }
        let tag = Int(dwarf_tag(&target))
        guard tag == DW_TAG_structure_type || tag == DW_TAG_union_type else { return nil }
        var size: Dwarf_Word = 0
        _ = dwarf_aggregate_size(&target, &size)
        let name = attributeString(&target, DW_AT_name) ?? "(anonymous)"
        var members: [StructLayout.Member] = []
        collectMembers(of: &target, base: 0, prefix: "", into: &members, depth: 0)
        return StructLayout(name: (tag == DW_TAG_union_type ? "union " : "struct ") + name, size: size, members: members)
    }

    private static func collectMembers(
        of die: inout Dwarf_Die, base: UInt64, prefix: String, into members: inout [StructLayout.Member], depth: Int
    ) {
        var child = Dwarf_Die()
        guard depth < 4, dwarf_child(&die, &child) == 0 else { return }
        repeat {
            if Int(dwarf_tag(&child)) == DW_TAG_member {
                var offset: Dwarf_Word = 0
                var attribute = Dwarf_Attribute()
                if dwarf_attr(&child, UInt32(DW_AT_data_member_location), &attribute) != nil {
                    _ = dwarf_formudata(&attribute, &offset)
                }
                let name = attributeString(&child, DW_AT_name)
                var size: Dwarf_Word = 0
                if var type = typeDie(of: &child) {
                    _ = dwarf_aggregate_size(&type, &size)
                    let typeTag = Int(dwarf_tag(&type))
                    if typeTag == DW_TAG_structure_type || typeTag == DW_TAG_union_type {
                        let nested = name.map { prefix + $0 + "." } ?? prefix
                        collectMembers(of: &type, base: base &+ offset, prefix: nested, into: &members, depth: depth + 1)
                    }
                }
                if let name { members.append(.init(name: prefix + name, offset: base &+ offset, size: size)) }
            }
        } while Self.nextSibling(&child)
    }

    /// The DIE's type with typedefs and qualifiers looked through.
    private static func typeDie(of die: inout Dwarf_Die) -> Dwarf_Die? {
        var attribute = Dwarf_Attribute()
        var type = Dwarf_Die()
        guard dwarf_attr_integrate(&die, UInt32(DW_AT_type), &attribute) != nil, dwarf_formref_die(&attribute, &type) != nil
        else { return nil }
        var hops = 0
        while hops < 8 {
            let tag = Int(dwarf_tag(&type))
            guard tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type
                || tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type
            else { break }
            var next = Dwarf_Die()
            guard dwarf_attr_integrate(&type, UInt32(DW_AT_type), &attribute) != nil, dwarf_formref_die(&attribute, &next) != nil
            else { return nil }
            type = next
            hops += 1
        }
        return type
    }

    /// Moves `die` to its next sibling; `false` at the last.
    private static func nextSibling(_ die: inout Dwarf_Die) -> Bool {
        var current = die
        var next = Dwarf_Die()
        guard dwarf_siblingof(&current, &next) == 0 else { return false }
        die = next
        return true
    }

    private static func attributeString(_ die: inout Dwarf_Die, _ name: Int) -> String? {
        var attribute = Dwarf_Attribute()
        guard dwarf_attr_integrate(&die, UInt32(name), &attribute) != nil, let text = dwarf_formstring(&attribute) else {
            return nil
        }
        return String(cString: text)
    }
}
