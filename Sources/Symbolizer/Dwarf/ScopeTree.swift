internal import CLibdw

/// The function scopes of one compilation unit — concrete subprograms and
/// the inlined subroutines nested in them, with their address ranges — read
/// lazily and kept, so that every later address in the same CU costs a
/// binary search and a short descent instead of a `dwarf_getscopes` walk.
///
/// Two levels of laziness: creating the tree walks only the CU's top-level
/// DIEs (`dwarf_siblingof` skips each subtree through `DW_AT_sibling`) and
/// records the subprograms that have code; a subprogram's own subtree
/// (lexical blocks, inlined subroutines) is walked the first time an address
/// falls in it. Names and call sites are read from the kept DIEs only for the
/// scopes of an answer, so nothing is built for scopes no address lands in.
final class ScopeTree {
    struct CallSite {
        var file: Int?
        var line: Int?
        var column: Int?
    }

    /// One scope: a subprogram or an inlined subroutine.
    private struct Node {
        /// The first address range; `extraRanges` holds the others (split functions).
        var low: UInt64
        var high: UInt64
        var extraRanges: Int32 = -1
        var die: Dwarf_Die
        var firstChild: Int32 = -1
        var nextSibling: Int32 = -1
        /// Whether its direct children have been read.
        var expanded = false
        /// A lexical block: not a scope of the chain, its children are.
        var transparent = false
        /// A lexical block without ranges: contains whatever its children contain.
        var unbounded = false
    }

    private var nodes: [Node] = []
    private var extraRanges: [[Range<UInt64>]] = []
    /// Ranges of top-level subprograms, sorted by start: (low, high, node).
    private var roots: [(low: UInt64, high: UInt64, node: Int32)] = []
    private var names: [Int32: String] = [:]

    /// - Parameter scanner: reads the CU's top level without libdw, when given and able to.
    init(cuDie: UnsafeMutablePointer<Dwarf_Die>, scanner: TopLevelScanner? = nil) {
        let unitOffset = Int(dwarf_dieoffset(cuDie) &- dwarf_cuoffset(cuDie))
        if let scanner, let offsets = scanner.subprograms(unitOffset: unitOffset) {
            for offset in offsets {
                // What dwarf_offdie makes, without its search for the CU: this one.
                var die = Dwarf_Die()
                die.addr = UnsafeMutableRawPointer(mutating: scanner.info.baseAddress! + Int(offset))
                die.cu = cuDie.pointee.cu
                addRoot(&die)
            }
        } else {
            var child = Dwarf_Die()
            if dwarf_child(cuDie, &child) == 0 { walkTopLevel(first: child, depth: 0) }
        }
        roots.sort { $0.low < $1.low }
    }

    private func addRoot(_ die: inout Dwarf_Die) {
        guard let index = addNode(&die) else { return }
        let node = nodes[Int(index)]
        roots.append((node.low, node.high, index))
        if node.extraRanges >= 0 {
            for range in extraRanges[Int(node.extraRanges)] {
                roots.append((range.lowerBound, range.upperBound, index))
            }
        }
    }

    /// Innermost first: the inlined subroutines containing `pc`, then the
    /// subprogram, as opaque scope handles for ``name(_:)`` and ``callSite(_:)``.
    func chain(at pc: UInt64) -> [Int32] {
        // The last root starting at or before pc; subprograms do not overlap,
        // but a few ranges may nest (split functions), so look back a little.
        let low = roots.partitionPoint { $0.low > pc }
        var candidate = low - 1
        var root: Int32?
        while candidate >= 0, low - candidate <= 8 {
            if pc < roots[candidate].high {
                root = roots[candidate].node
                break
            }
            candidate -= 1
        }
        guard let root else { return [] }
        var chain = [root]
        descend(from: root, pc: pc, into: &chain)
        chain.reverse()
        return chain
    }

    /// Appends the scopes under `node` that contain `pc`, outermost first,
    /// reading each node's children the first time it is passed through.
    private func descend(from node: Int32, pc: UInt64, into chain: inout [Int32]) {
        var current = node
        while true {
            expand(current)
            var child = nodes[Int(current)].firstChild
            var next: Int32 = -1
            while child >= 0 {
                if nodes[Int(child)].unbounded {
                    // A block without ranges: look inside it.
                    let before = chain.count
                    descend(from: child, pc: pc, into: &chain)
                    if chain.count > before { return }
                } else if contains(child, pc) {
                    next = child
                    break
                }
                child = nodes[Int(child)].nextSibling
            }
            guard next >= 0 else { return }
            if !nodes[Int(next)].transparent { chain.append(next) }
            current = next
        }
    }

    /// The scope's `DW_AT_name` (through `DW_AT_abstract_origin`), read once.
    func name(_ scope: Int32) -> String? {
        if let cached = names[scope] { return cached }
        var die = nodes[Int(scope)].die
        let name = Self.name(of: &die)
        if let name { names[scope] = name }
        return name
    }

    /// Where an inlined subroutine was called (`DW_AT_call_*`); `nil` for a subprogram.
    func callSite(_ scope: Int32) -> CallSite? {
        var die = nodes[Int(scope)].die
        guard dwarf_tag(&die) == Int32(DW_TAG_inlined_subroutine) else { return nil }
        return Self.callSite(of: &die)
    }

    private func contains(_ node: Int32, _ pc: UInt64) -> Bool {
        let n = nodes[Int(node)]
        if pc >= n.low && pc < n.high { return true }
        guard n.extraRanges >= 0 else { return false }
        return extraRanges[Int(n.extraRanges)].contains { $0.contains(pc) }
    }

    /// Adds a node for a scope with code; `nil` when the DIE has no ranges.
    private func addNode(_ die: inout Dwarf_Die) -> Int32? {
        var ranges = Self.ranges(of: &die)
        guard !ranges.isEmpty else { return nil }
        let first = ranges.removeFirst()
        var node = Node(low: first.lowerBound, high: first.upperBound, die: die)
        if !ranges.isEmpty {
            node.extraRanges = Int32(extraRanges.count)
            extraRanges.append(ranges)
        }
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    /// The CU's top level: subprograms with code become roots (not yet
    /// expanded); namespaces and lexical blocks are looked into.
    private func walkTopLevel(first: Dwarf_Die, depth: Int) {
        guard depth < 64 else { return }
        var die = first
        while true {
            let tag = dwarf_tag(&die)
            if tag == Int32(DW_TAG_subprogram) {
                addRoot(&die)
            } else if tag == Int32(DW_TAG_namespace) || tag == Int32(DW_TAG_lexical_block) {
                var child = Dwarf_Die()
                if dwarf_child(&die, &child) == 0 { walkTopLevel(first: child, depth: depth + 1) }
            }
            var next = Dwarf_Die()
            guard dwarf_siblingof(&die, &next) == 0 else { break }
            die = next
        }
    }

    /// Reads a node's direct children once: subprograms and inlined
    /// subroutines with code, and lexical blocks (transparent) with their
    /// ranges. Their own children wait until an address falls in them.
    private func expand(_ node: Int32) {
        guard !nodes[Int(node)].expanded else { return }
        nodes[Int(node)].expanded = true
        var parentDie = nodes[Int(node)].die
        var die = Dwarf_Die()
        guard dwarf_child(&parentDie, &die) == 0 else { return }
        var last: Int32 = -1
        while true {
            let tag = dwarf_tag(&die)
            var added: Int32?
            if tag == Int32(DW_TAG_subprogram) || tag == Int32(DW_TAG_inlined_subroutine) {
                added = addNode(&die)
            } else if tag == Int32(DW_TAG_lexical_block) || tag == Int32(DW_TAG_namespace) {
                if dwarf_haschildren(&die) != 0 {
                    if let index = addNode(&die) {
                        nodes[Int(index)].transparent = true
                        added = index
                    } else {
                        nodes.append(Node(low: 0, high: 0, die: die, transparent: true, unbounded: true))
                        added = Int32(nodes.count - 1)
                    }
                }
            }
            if let added {
                if last < 0 {
                    nodes[Int(node)].firstChild = added
                } else {
                    nodes[Int(last)].nextSibling = added
                }
                last = added
            }
            var next = Dwarf_Die()
            guard dwarf_siblingof(&die, &next) == 0 else { break }
            die = next
        }
    }

    static func ranges(of die: inout Dwarf_Die) -> [Range<UInt64>] {
        var low: Dwarf_Addr = 0
        var high: Dwarf_Addr = 0
        // The common case, one contiguous range, without dwarf_ranges' state machine.
        if !dwarfHasAttribute(&die, DW_AT_ranges) {
            guard dwarf_lowpc(&die, &low) == 0, dwarf_highpc(&die, &high) == 0 else { return [] }
            return high > low ? [low..<high] : []
        }
        var result: [Range<UInt64>] = []
        var base: Dwarf_Addr = 0
        var offset: Int = 0
        while true {
            offset = dwarf_ranges(&die, offset, &base, &low, &high)
            if offset <= 0 { break }
            if high > low { result.append(low..<high) }
        }
        return result
    }

    private static func dwarfHasAttribute(_ die: inout Dwarf_Die, _ name: Int) -> Bool {
        dwarf_hasattr(&die, UInt32(name)) != 0
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
