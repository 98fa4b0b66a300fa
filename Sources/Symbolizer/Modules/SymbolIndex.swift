import ArchFixups

/// A code symbol placed in the session's address space.
public struct IndexedSymbol: Sendable, Hashable {
    public var name: String
    /// Address of the first instruction (the ArchFixups code-address view, plus the section's address).
    public var start: UInt64
    /// `st_size`.
    public var size: UInt64
    /// The raw symbol table entry, for kallsyms views.
    public var raw: RawSymbol
    /// The address of the section the symbol is in (0 for vmlinux).
    public var sectionBase: UInt64

    /// Position in the symbol table: among aliases, kallsyms names the first.
    public var tableIndex: Int = 0
    /// For a function descriptor symbol (ppc64 ELFv1), where its code starts;
    /// kallsyms resolves descriptors the same way.
    public var descriptorCode: UInt64?

    /// What kallsyms shows for this symbol in `mode`, in the session's address space.
    public func kallsymsAddress(_ fixup: any ArchFixup, mode: KallsymsMode) -> UInt64 {
        descriptorCode ?? sectionBase &+ fixup.kallsymsValue(of: raw, mode: mode)
    }
}

/// A sorted index of one binary's code symbols, built once: address →
/// function (binary search) and name → symbols. Mapping symbols, section
/// and file symbols are left out; Thumb bits are cleared through ArchFixups
/// in this view only.
public struct SymbolIndex: Sendable {
    /// Code symbols sorted by start, best symbol first among equal starts.
    public let symbols: [IndexedSymbol]
    private let byName: [String: [Int]]

    /// Builds the index.
    ///
    /// - Parameters:
    ///   - contents: the binary.
    ///   - sectionAddress: the session address of a section (for `.ko`), or
    ///     `nil` when the section is not placed; vmlinux passes a closure that
    ///     returns 0 so that values stay link-time addresses.
    public init(contents: ElfContents, fixup: any ArchFixup, sectionAddress: (UInt32) -> UInt64?) {
        var symbols: [IndexedSymbol] = []
        symbols.reserveCapacity(contents.symbols.count / 2)
        let descriptorSection = fixup.functionDescriptorSection
        for (tableIndex, raw) in contents.symbols.enumerated() where fixup.isNameableCodeSymbol(raw) {
            guard !raw.isAbsolute, let section = contents.section(at: raw.sectionIndex) else { continue }
            if raw.type != .function && raw.type != .notype && raw.type != .gnuIFunc { continue }
            if section.name == descriptorSection, raw.type == .function {
                // ppc64 ELFv1: the symbol names a descriptor; index the code it points to.
                let descriptorOffset = contents.kind == .relocatable ? raw.value : raw.value &- section.address
                guard let code = contents.functionDescriptors[descriptorOffset] else { continue }
                let base = code.sectionIndex == 0 ? 0 : sectionAddress(code.sectionIndex)
                guard let base else { continue }
                symbols.append(
                    IndexedSymbol(
                        name: raw.name, start: base &+ code.offset, size: raw.size, raw: raw, sectionBase: base,
                        tableIndex: tableIndex, descriptorCode: base &+ code.offset))
                continue
            }
            guard section.isExecutable, let base = sectionAddress(raw.sectionIndex) else { continue }
            let start = base &+ fixup.codeAddress(of: raw)
            symbols.append(
                IndexedSymbol(name: raw.name, start: start, size: raw.size, raw: raw, sectionBase: base, tableIndex: tableIndex))
        }
        symbols.sort { lhs, rhs in
            if lhs.start != rhs.start { return lhs.start < rhs.start }
            if Self.rank(lhs) != Self.rank(rhs) { return Self.rank(lhs) > Self.rank(rhs) }
            return lhs.tableIndex < rhs.tableIndex
        }
        var byName: [String: [Int]] = [:]
        for (position, symbol) in symbols.enumerated() { byName[symbol.name, default: []].append(position) }
        self.symbols = symbols
        self.byName = byName
    }

    /// Prefer functions over untyped labels and sized over size 0; among
    /// equals the symbol table's order decides, as in kallsyms (so a module's
    /// `crashmod_exit` is named, not its `cleanup_module` alias).
    private static func rank(_ symbol: IndexedSymbol) -> Int {
        var rank = 0
        if symbol.raw.type == .function { rank += 2 }
        if symbol.size > 0 { rank += 1 }
        return rank
    }

    /// The function that contains `address`: the best symbol whose
    /// `[start, start + size)` holds it, else the closest preceding untyped
    /// label of size 0 (assembly entry points).
    public func symbol(containing address: UInt64) -> IndexedSymbol? {
        let low = symbols.partitionPoint { $0.start > address }
        guard low > 0 else { return nil }
        // Walk back over symbols that start at or before address: the first that contains it wins.
        var position = low - 1
        let closest = symbols[position]
        var examined = 0
        while position >= 0, examined < 64 {
            let candidate = symbols[position]
            if address < candidate.start &+ candidate.size { return bestAlias(at: position) }
            position -= 1
            examined += 1
        }
        return closest.size == 0 ? closest : nil
    }

    private func bestAlias(at position: Int) -> IndexedSymbol {
        var best = position
        var index = position - 1
        while index >= 0, symbols[index].start == symbols[position].start {
            best = index
            index -= 1
        }
        return symbols[best]
    }

    /// Symbols with this name (a static function may exist more than once).
    public func symbols(named name: String) -> [IndexedSymbol] {
        (byName[name] ?? []).map { symbols[$0] }
    }

    /// The next kallsyms-visible symbol start above `address` (what the
    /// kernel uses to print a symbol's size), or `nil` at the end.
    public func nextStart(after address: UInt64) -> UInt64? {
        let low = symbols.partitionPoint { $0.start > address }
        return low < symbols.count ? symbols[low].start : nil
    }
}
