internal import CLibdw

/// Where an inlined subroutine was called (`DW_AT_call_*`).
struct ScopeCallSite {
    var file: Int?
    var line: Int?
    var column: Int?
}

/// A DIE's address ranges as `dwarf_ranges` gives them. Most DIEs have
/// one: it is kept without an array (a scope tree makes one per DIE it reads).
struct AddressRanges {
    /// The first range; `nil` when the DIE has no code.
    private(set) var first: Range<UInt64>?
    /// The ranges after the first.
    private(set) var rest: [Range<UInt64>] = []

    /// No ranges.
    init() {}

    init(_ range: Range<UInt64>) { first = range }

    init(_ ranges: [Range<UInt64>]) {
        first = ranges.first
        if ranges.count > 1 { rest = Array(ranges.dropFirst()) }
    }

    var isEmpty: Bool { first == nil }

    var all: [Range<UInt64>] { first.map { [$0] + rest } ?? [] }
}

/// A DIE under a scope that matters to ``ScopeTree``, with its address ranges.
struct ScopeChild {
    /// What the DIE is to a chain of scopes.
    enum Kind {
        /// A subprogram or an inlined subroutine: a scope of the chain.
        case function
        /// A lexical block or namespace: looked through.
        case block
    }

    var die: Int
    var kind: Kind
    var hasChildren: Bool
    var ranges: AddressRanges

    /// The kind of a DIE with tag `tag`; `nil` for DIEs that are not scopes.
    static func kind(of tag: UInt64) -> Kind? {
        switch Int(tag) {
        case DW_TAG_subprogram, DW_TAG_inlined_subroutine: .function
        case DW_TAG_lexical_block, DW_TAG_namespace: .block
        default: nil
        }
    }
}

/// What ``ScopeTree`` reads from one compilation unit's DIEs, named by
/// their `.debug_info` offsets. Addresses are the DWARF's own (no bias).
protocol ScopeSource: AnyObject {
    /// The subprograms with code at the unit's top level (looking into
    /// namespaces and lexical blocks).
    func topLevelSubprograms() -> [Int]
    /// The subprograms, inlined subroutines, lexical blocks and namespaces
    /// directly under `die`, in order.
    func scopeChildren(of die: Int) -> [ScopeChild]
    /// `dwarf_ranges`' answer: empty when the DIE has no code.
    func ranges(of die: Int) -> AddressRanges
    /// `DW_AT_name`, through `DW_AT_abstract_origin` and `DW_AT_specification`.
    func name(of die: Int) -> String?
    /// `nil` unless the DIE is an inlined subroutine.
    func callSite(of die: Int) -> ScopeCallSite?
}

/// A unit's scopes read through libdw.
final class LibdwScopes: ScopeSource {
    private var cuDie: Dwarf_Die
    /// Where `.debug_info` offset 0 is in memory (DIEs of this unit are made
    /// from an offset without `dwarf_offdie`'s search for the unit).
    private let infoBase: UnsafeMutableRawPointer
    private let scanner: TopLevelScanner?

    /// - Parameter scanner: reads the CU's top level without libdw, when given and able to.
    init(cuDie: Dwarf_Die, scanner: TopLevelScanner?) {
        self.cuDie = cuDie
        self.scanner = scanner
        var copy = cuDie
        infoBase = cuDie.addr - Int(dwarf_dieoffset(&copy))
    }

    private func die(_ offset: Int) -> Dwarf_Die {
        var die = Dwarf_Die()
        die.addr = infoBase + offset
        die.cu = cuDie.cu
        return die
    }

    func topLevelSubprograms() -> [Int] {
        let unitOffset = Int(dwarf_dieoffset(&cuDie) &- dwarf_cuoffset(&cuDie))
        if let scanner, let offsets = scanner.subprograms(unitOffset: unitOffset) {
            return offsets.map { Int($0) }
        }
        var found: [Int] = []
        var child = Dwarf_Die()
        if dwarf_child(&cuDie, &child) == 0 { walkTopLevel(first: child, depth: 0, into: &found) }
        return found
    }

    private func walkTopLevel(first: Dwarf_Die, depth: Int, into found: inout [Int]) {
        guard depth < 64 else { return }
        var die = first
        while true {
            let tag = dwarf_tag(&die)
            if tag == Int32(DW_TAG_subprogram) {
                found.append(Int(dwarf_dieoffset(&die)))
            } else if tag == Int32(DW_TAG_namespace) || tag == Int32(DW_TAG_lexical_block) {
                var child = Dwarf_Die()
                if dwarf_child(&die, &child) == 0 { walkTopLevel(first: child, depth: depth + 1, into: &found) }
            }
            var next = Dwarf_Die()
            guard dwarf_siblingof(&die, &next) == 0 else { break }
            die = next
        }
    }

    func scopeChildren(of offset: Int) -> [ScopeChild] {
        var parent = die(offset)
        var child = Dwarf_Die()
        guard dwarf_child(&parent, &child) == 0 else { return [] }
        var result: [ScopeChild] = []
        while true {
            if let kind = ScopeChild.kind(of: UInt64(dwarf_tag(&child))) {
                result.append(
                    ScopeChild(
                        die: Int(dwarf_dieoffset(&child)), kind: kind, hasChildren: dwarf_haschildren(&child) != 0,
                        ranges: Self.ranges(of: &child)))
            }
            var next = Dwarf_Die()
            guard dwarf_siblingof(&child, &next) == 0 else { break }
            child = next
        }
        return result
    }

    func ranges(of offset: Int) -> AddressRanges {
        var die = die(offset)
        return Self.ranges(of: &die)
    }

    func name(of offset: Int) -> String? {
        var die = die(offset)
        var attribute = Dwarf_Attribute()
        if dwarf_attr_integrate(&die, UInt32(DW_AT_name), &attribute) != nil, let text = dwarf_formstring(&attribute) {
            return String(cString: text)
        }
        if let text = dwarf_diename(&die) { return String(cString: text) }
        return nil
    }

    func callSite(of offset: Int) -> ScopeCallSite? {
        var die = die(offset)
        guard dwarf_tag(&die) == Int32(DW_TAG_inlined_subroutine) else { return nil }
        func unsigned(_ name: Int) -> Int? {
            var attribute = Dwarf_Attribute()
            var value: Dwarf_Word = 0
            guard dwarf_attr(&die, UInt32(name), &attribute) != nil, dwarf_formudata(&attribute, &value) == 0 else {
                return nil
            }
            return Int(exactly: value)
        }
        return ScopeCallSite(
            file: unsigned(DW_AT_call_file), line: unsigned(DW_AT_call_line), column: unsigned(DW_AT_call_column))
    }

    static func ranges(of die: inout Dwarf_Die) -> AddressRanges {
        var low: Dwarf_Addr = 0
        var high: Dwarf_Addr = 0
        // The common case, one contiguous range, without dwarf_ranges' state machine.
        if dwarf_hasattr(&die, UInt32(DW_AT_ranges)) == 0 {
            guard dwarf_lowpc(&die, &low) == 0, dwarf_highpc(&die, &high) == 0 else { return AddressRanges() }
            return high > low ? AddressRanges(low..<high) : AddressRanges()
        }
        var result: [Range<UInt64>] = []
        var base: Dwarf_Addr = 0
        var offset: Int = 0
        while true {
            offset = dwarf_ranges(&die, offset, &base, &low, &high)
            if offset <= 0 { break }
            if high > low { result.append(low..<high) }
        }
        return AddressRanges(result)
    }
}

/// A unit's scopes read by ``UnitDies``; whatever it cannot read is asked
/// of libdw instead (the unit's `Dwarf_Die` is then found once, the slow way).
final class OwnScopes: ScopeSource {
    let dies: UnitDies
    private let scanner: TopLevelScanner
    private let resolveLibdw: () -> LibdwScopes?
    private var libdwTried = false
    private var libdwScopes: LibdwScopes?

    init(dies: UnitDies, scanner: TopLevelScanner, libdw: @escaping () -> LibdwScopes?) {
        self.dies = dies
        self.scanner = scanner
        self.resolveLibdw = libdw
    }

    private var libdw: LibdwScopes? {
        if !libdwTried {
            libdwTried = true
            libdwScopes = resolveLibdw()
        }
        return libdwScopes
    }

    private func entry(_ offset: Int) -> UnitDies.Entry? {
        guard let entry = dies.entry(at: offset), !entry.unsupported else { return nil }
        return entry
    }

    func topLevelSubprograms() -> [Int] {
        if let offsets = scanner.subprograms(header: dies.header, abbrevs: dies.abbrevs) { return offsets.map { Int($0) } }
        return libdw?.topLevelSubprograms() ?? []
    }

    func scopeChildren(of offset: Int) -> [ScopeChild] {
        if let parent = entry(offset), let children = dies.children(of: parent, matching: { ScopeChild.kind(of: $0) != nil }) {
            var result: [ScopeChild] = []
            result.reserveCapacity(children.count)
            for child in children {
                guard let kind = ScopeChild.kind(of: child.tag), let ranges = dies.ranges(of: child) else {
                    return libdw?.scopeChildren(of: offset) ?? []
                }
                result.append(ScopeChild(die: child.offset, kind: kind, hasChildren: child.hasChildren, ranges: ranges))
            }
            return result
        }
        return libdw?.scopeChildren(of: offset) ?? []
    }

    func ranges(of offset: Int) -> AddressRanges {
        if let entry = entry(offset), let ranges = dies.ranges(of: entry) { return ranges }
        return libdw?.ranges(of: offset) ?? AddressRanges()
    }

    func name(of offset: Int) -> String? {
        if let entry = entry(offset) {
            switch dies.name(of: entry) {
            case .name(let name): return name
            case .none: return nil
            case .unknown: break
            }
        }
        return libdw?.name(of: offset)
    }

    func callSite(of offset: Int) -> ScopeCallSite? {
        guard let entry = entry(offset) else { return libdw?.callSite(of: offset) }
        guard entry.tag == UInt64(DW_TAG_inlined_subroutine) else { return nil }
        return ScopeCallSite(file: entry.callFile, line: entry.callLine, column: entry.callColumn)
    }
}
