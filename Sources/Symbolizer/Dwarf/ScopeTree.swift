/// The function scopes of one compilation unit — concrete subprograms and
/// the inlined subroutines nested in them, with their address ranges — read
/// lazily and kept, so that every later address in the same CU costs a
/// binary search and a short descent instead of a `dwarf_getscopes` walk.
///
/// Two levels of laziness: creating the tree walks only the CU's top-level
/// DIEs (each subtree skipped through `DW_AT_sibling`) and records the
/// subprograms that have code; a subprogram's own subtree (lexical blocks,
/// inlined subroutines) is walked the first time an address falls in it.
/// Names and call sites are read from the kept DIEs only for the scopes of an
/// answer, so nothing is built for scopes no address lands in. The DIEs come
/// from a ``ScopeSource``: libdw, or ksymbolize's own reader for vmlinux.
final class ScopeTree {
    typealias CallSite = ScopeCallSite

    /// One scope: a subprogram or an inlined subroutine.
    private struct Node {
        /// The first address range; `extraRanges` holds the others (split functions).
        var low: UInt64
        var high: UInt64
        var extraRanges: Int32 = -1
        /// The DIE's offset in `.debug_info`.
        var die: Int
        var firstChild: Int32 = -1
        var nextSibling: Int32 = -1
        /// Whether its direct children have been read.
        var expanded = false
        /// A lexical block: not a scope of the chain, its children are.
        var transparent = false
        /// A lexical block without ranges: contains whatever its children contain.
        var unbounded = false
    }

    private let source: any ScopeSource
    private var nodes: [Node] = []
    private var extraRanges: [[Range<UInt64>]] = []
    /// Ranges of top-level subprograms, sorted by start: (low, high, node).
    private var roots: [(low: UInt64, high: UInt64, node: Int32)] = []
    private var names: [Int32: String] = [:]

    init(source: any ScopeSource) {
        self.source = source
        for die in source.topLevelSubprograms() { addRoot(die) }
        roots.sort { $0.low < $1.low }
    }

    private func addRoot(_ die: Int) {
        guard let index = addNode(die) else { return }
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

    /// The scope's DIE offset in `.debug_info`.
    func die(_ scope: Int32) -> Int { nodes[Int(scope)].die }

    /// The scope's `DW_AT_name` (through `DW_AT_abstract_origin`), read once.
    func name(_ scope: Int32) -> String? {
        if let cached = names[scope] { return cached }
        let name = source.name(of: nodes[Int(scope)].die)
        if let name { names[scope] = name }
        return name
    }

    /// Where an inlined subroutine was called (`DW_AT_call_*`); `nil` for a subprogram.
    func callSite(_ scope: Int32) -> CallSite? {
        source.callSite(of: nodes[Int(scope)].die)
    }

    private func contains(_ node: Int32, _ pc: UInt64) -> Bool {
        let n = nodes[Int(node)]
        if pc >= n.low && pc < n.high { return true }
        guard n.extraRanges >= 0 else { return false }
        return extraRanges[Int(n.extraRanges)].contains { $0.contains(pc) }
    }

    /// Adds a node for a scope with code; `nil` when the DIE has no ranges.
    private func addNode(_ die: Int, ranges: AddressRanges? = nil) -> Int32? {
        let ranges = ranges ?? source.ranges(of: die)
        guard let first = ranges.first else { return nil }
        var node = Node(low: first.lowerBound, high: first.upperBound, die: die)
        if !ranges.rest.isEmpty {
            node.extraRanges = Int32(extraRanges.count)
            extraRanges.append(ranges.rest)
        }
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    /// Reads a node's direct children once: subprograms and inlined
    /// subroutines with code, and lexical blocks (transparent) with their
    /// ranges. Their own children wait until an address falls in them.
    private func expand(_ node: Int32) {
        guard !nodes[Int(node)].expanded else { return }
        nodes[Int(node)].expanded = true
        var last: Int32 = -1
        for child in source.scopeChildren(of: nodes[Int(node)].die) {
            var added: Int32?
            switch child.kind {
            case .function:
                added = addNode(child.die, ranges: child.ranges)
            case .block:
                guard child.hasChildren else { continue }
                if let index = addNode(child.die, ranges: child.ranges) {
                    nodes[Int(index)].transparent = true
                    added = index
                } else {
                    nodes.append(Node(low: 0, high: 0, die: child.die, transparent: true, unbounded: true))
                    added = Int32(nodes.count - 1)
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
        }
    }
}
