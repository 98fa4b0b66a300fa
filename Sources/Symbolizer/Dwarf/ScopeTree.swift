internal import CLibdw

/// The function scopes of one compilation unit — concrete subprograms and
/// the inlined subroutines nested in them, with their address ranges — read
/// in one walk of the CU's DIE tree and kept, so that every later address in
/// the same CU costs a binary search and a short descent instead of a
/// `dwarf_getscopes` walk.
final class ScopeTree {
    struct CallSite {
        var file: Int?
        var line: Int?
        var column: Int?
    }

    struct Node {
        var ranges: [Range<UInt64>]
        var name: String?
        /// Set for inlined subroutines: where the call was.
        var call: CallSite?
        var children: [Int] = []

        func contains(_ pc: UInt64) -> Bool { ranges.contains { $0.contains(pc) } }
    }

    private(set) var nodes: [Node] = []
    /// Ranges of top-level subprograms, sorted by start: (range, node).
    private var roots: [(range: Range<UInt64>, node: Int)] = []

    init(cuDie: UnsafeMutablePointer<Dwarf_Die>) {
        var child = Dwarf_Die()
        if dwarf_child(cuDie, &child) == 0 { walk(first: child, parent: nil, depth: 0) }
        roots.sort { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// Innermost first: the inlined subroutines containing `pc`, then the subprogram.
    func chain(at pc: UInt64) -> [Node] {
        // The last root starting at or before pc; subprograms do not overlap,
        // but a few ranges may nest (split functions), so look back a little.
        let low = roots.partitionPoint { $0.range.lowerBound > pc }
        var candidate = low - 1
        var root: Int?
        while candidate >= 0, low - candidate <= 8 {
            if roots[candidate].range.contains(pc) {
                root = roots[candidate].node
                break
            }
            candidate -= 1
        }
        guard var current = root else { return [] }
        var chain = [nodes[current]]
        descend: while true {
            for child in nodes[current].children where nodes[child].contains(pc) {
                current = child
                chain.append(nodes[child])
                continue descend
            }
            break
        }
        return chain.reversed()
    }

    /// Walks siblings starting at `first`. Lexical blocks are transparent:
    /// their function scopes hang under the enclosing function.
    private func walk(first: Dwarf_Die, parent: Int?, depth: Int) {
        guard depth < 64 else { return }
        var die = first
        while true {
            let tag = dwarf_tag(&die)
            var attach = parent
            if tag == Int32(DW_TAG_subprogram) || tag == Int32(DW_TAG_inlined_subroutine) {
                let ranges = Self.ranges(of: &die)
                if !ranges.isEmpty {
                    let inlined = tag == Int32(DW_TAG_inlined_subroutine)
                    let node = Node(
                        ranges: ranges, name: Self.name(of: &die), call: inlined ? Self.callSite(of: &die) : nil)
                    nodes.append(node)
                    let index = nodes.count - 1
                    if let parent {
                        nodes[parent].children.append(index)
                    } else if !inlined {
                        for range in ranges { roots.append((range, index)) }
                    }
                    attach = index
                }
            }
            let descend =
                tag == Int32(DW_TAG_subprogram) || tag == Int32(DW_TAG_inlined_subroutine)
                || tag == Int32(DW_TAG_lexical_block) || tag == Int32(DW_TAG_namespace)
            if descend, attach != nil || tag == Int32(DW_TAG_namespace) || tag == Int32(DW_TAG_lexical_block) {
                var child = Dwarf_Die()
                if dwarf_child(&die, &child) == 0 { walk(first: child, parent: attach, depth: depth + 1) }
            }
            var next = Dwarf_Die()
            guard dwarf_siblingof(&die, &next) == 0 else { break }
            die = next
        }
    }

    static func ranges(of die: inout Dwarf_Die) -> [Range<UInt64>] {
        var result: [Range<UInt64>] = []
        var base: Dwarf_Addr = 0
        var start: Dwarf_Addr = 0
        var end: Dwarf_Addr = 0
        var offset: Int = 0
        while true {
            offset = dwarf_ranges(&die, offset, &base, &start, &end)
            if offset <= 0 { break }
            if end > start { result.append(start..<end) }
        }
        return result
    }

    static func name(of die: inout Dwarf_Die) -> String? {
        var attribute = Dwarf_Attribute()
        if dwarf_attr_integrate(&die, UInt32(DW_AT_name), &attribute) != nil, let text = dwarf_formstring(&attribute) {
            return String(cString: text)
        }
        if let text = dwarf_diename(&die) { return String(cString: text) }
        return nil
    }

    static func callSite(of die: inout Dwarf_Die) -> CallSite {
        func unsigned(_ name: Int) -> Int? {
            var attribute = Dwarf_Attribute()
            var value: Dwarf_Word = 0
            guard dwarf_attr(&die, UInt32(name), &attribute) != nil, dwarf_formudata(&attribute, &value) == 0 else {
                return nil
            }
            return Int(exactly: value)
        }
        return CallSite(
            file: unsigned(DW_AT_call_file), line: unsigned(DW_AT_call_line), column: unsigned(DW_AT_call_column))
    }
}
