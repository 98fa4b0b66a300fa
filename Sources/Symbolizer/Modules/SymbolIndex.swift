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

/// A sorted index of one binary's code symbols: address → function (binary
/// search) and name → symbols. Mapping symbols, section and file symbols
/// are left out; Thumb bits are cleared through ArchFixups in this view only.
///
/// Nothing is built until it is needed, and then only compact records
/// (address, size, table index): the address order on the first address
/// query, the name hash (over the table's bytes) on the first name query.
/// A symbol's `String` is made only for the symbols returned, so a run that
/// prints 30 frames of vmlinux makes about 30 names, not 150,000.
public final class SymbolIndex {
    /// One indexed symbol, without its name.
    private struct Entry {
        var start: UInt64
        var size: UInt64
        var sectionBase: UInt64
        var tableIndex: Int32
        var rank: Int8
        var isDescriptor: Bool
    }

    private let table: SymbolTable
    private let build: () -> [Entry]
    private var built: [Entry]?
    /// Open addressing: entry position + 1, 0 for an empty slot.
    private var nameSlots: [Int32]?

    /// Builds the index (lazily).
    ///
    /// - Parameters:
    ///   - contents: the binary.
    ///   - sectionAddress: the session address of a section (for `.ko`), or
    ///     `nil` when the section is not placed; vmlinux passes a closure that
    ///     returns 0 so that values stay link-time addresses.
    public init(contents: ElfContents, fixup: any ArchFixup, sectionAddress: @escaping (UInt32) -> UInt64?) {
        table = contents.symbolTable
        let table = contents.symbolTable
        build = {
            var entries: [Entry] = []
            entries.reserveCapacity(table.count / 2)
            let descriptorSection = fixup.functionDescriptorSection
            // Per section index: whether it holds code, whether it holds descriptors.
            var executable = [Bool](repeating: false, count: contents.sections.count)
            var descriptors = [Bool](repeating: false, count: contents.sections.count)
            for section in contents.sections where Int(section.index) < executable.count {
                executable[Int(section.index)] = section.isExecutable
                descriptors[Int(section.index)] = descriptorSection != nil && section.name == descriptorSection
            }
            for tableIndex in 0..<table.count {
                var raw = table.unnamedSymbol(at: tableIndex)
                if raw.type != .function && raw.type != .notype && raw.type != .gnuIFunc { continue }
                guard !raw.isUndefined, !raw.isAbsolute else { continue }
                // Names matter to the nameable check only when empty or when they
                // could be a mapping symbol or local label ($x, .L…): make those.
                let first = table.nameFirstByte(at: tableIndex)
                if first == 0 { continue }
                raw.name = first == UInt8(ascii: "$") || first == UInt8(ascii: ".") ? table.name(at: tableIndex) : "_"
                guard fixup.isNameableCodeSymbol(raw) else { continue }
                let sectionIndex = Int(raw.sectionIndex)
                guard sectionIndex < executable.count, contents.sections[sectionIndex].index == raw.sectionIndex else {
                    // Section headers not in index order: the general lookup.
                    guard let section = contents.section(at: raw.sectionIndex), section.isExecutable,
                        descriptorSection == nil, let base = sectionAddress(raw.sectionIndex)
                    else { continue }
                    entries.append(
                        Entry(
                            start: base &+ fixup.codeAddress(of: raw), size: raw.size, sectionBase: base,
                            tableIndex: Int32(tableIndex), rank: Self.rank(raw), isDescriptor: false))
                    continue
                }
                if descriptors[sectionIndex], raw.type == .function {
                    let section = contents.sections[sectionIndex]
                    // ppc64 ELFv1: the symbol names a descriptor; index the code it points to.
                    let descriptorOffset = contents.kind == .relocatable ? raw.value : raw.value &- section.address
                    guard let code = contents.functionDescriptors[descriptorOffset] else { continue }
                    let base = code.sectionIndex == 0 ? 0 : sectionAddress(code.sectionIndex)
                    guard let base else { continue }
                    entries.append(
                        Entry(
                            start: base &+ code.offset, size: raw.size, sectionBase: base, tableIndex: Int32(tableIndex),
                            rank: Self.rank(raw), isDescriptor: true))
                    continue
                }
                guard executable[sectionIndex], let base = sectionAddress(raw.sectionIndex) else { continue }
                entries.append(
                    Entry(
                        start: base &+ fixup.codeAddress(of: raw), size: raw.size, sectionBase: base,
                        tableIndex: Int32(tableIndex), rank: Self.rank(raw), isDescriptor: false))
            }
            entries.sort { lhs, rhs in
                if lhs.start != rhs.start { return lhs.start < rhs.start }
                if lhs.rank != rhs.rank { return lhs.rank > rhs.rank }
                return lhs.tableIndex < rhs.tableIndex
            }
            return entries
        }
    }

    private var entries: [Entry] {
        if let built { return built }
        let made = build()
        built = made
        return made
    }

    /// Prefer functions over untyped labels and sized over size 0; among
    /// equals the symbol table's order decides, as in kallsyms (so a module's
    /// `crashmod_exit` is named, not its `cleanup_module` alias).
    private static func rank(_ symbol: RawSymbol) -> Int8 {
        var rank: Int8 = 0
        if symbol.type == .function { rank += 2 }
        if symbol.size > 0 { rank += 1 }
        return rank
    }

    private func indexed(_ entry: Entry) -> IndexedSymbol {
        let raw = table.symbol(at: Int(entry.tableIndex))
        return IndexedSymbol(
            name: raw.name, start: entry.start, size: entry.size, raw: raw, sectionBase: entry.sectionBase,
            tableIndex: Int(entry.tableIndex), descriptorCode: entry.isDescriptor ? entry.start : nil)
    }

    /// Builds the address order now (after which address queries only read).
    public func warmAddresses() {
        _ = entries
    }

    /// Builds the address order and the name hash now.
    public func warm() {
        _ = nameHash(entries)
    }

    /// Code symbols sorted by start, best symbol first among equal starts
    /// (makes every name: for tests and tools, not for lookups).
    public var symbols: [IndexedSymbol] { entries.map(indexed) }

    /// The function that contains `address`: the best symbol whose
    /// `[start, start + size)` holds it, else the closest preceding untyped
    /// label of size 0 (assembly entry points).
    public func symbol(containing address: UInt64) -> IndexedSymbol? {
        let symbols = entries
        let low = symbols.partitionPoint { $0.start > address }
        guard low > 0 else { return nil }
        // Walk back over symbols that start at or before address: the first that contains it wins.
        var position = low - 1
        let closest = symbols[position]
        var examined = 0
        while position >= 0, examined < 64 {
            let candidate = symbols[position]
            if address < candidate.start &+ candidate.size { return indexed(symbols[bestAlias(symbols, at: position)]) }
            position -= 1
            examined += 1
        }
        return closest.size == 0 ? indexed(closest) : nil
    }

    private func bestAlias(_ symbols: [Entry], at position: Int) -> Int {
        var best = position
        var index = position - 1
        while index >= 0, symbols[index].start == symbols[position].start {
            best = index
            index -= 1
        }
        return best
    }

    /// Symbols with this name (a static function may exist more than once),
    /// in address order.
    public func symbols(named name: String) -> [IndexedSymbol] {
        let symbols = entries
        let slots = nameHash(symbols)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: SymbolTable.hash(of: name)) & mask
        var found: [Int] = []
        while slots[slot] != 0 {
            let position = Int(slots[slot]) - 1
            if table.nameEquals(at: Int(symbols[position].tableIndex), name) { found.append(position) }
            slot = (slot + 1) & mask
        }
        return found.sorted().map { indexed(symbols[$0]) }
    }

    private func nameHash(_ symbols: [Entry]) -> [Int32] {
        if let nameSlots { return nameSlots }
        var capacity = 16
        while capacity < symbols.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for (position, entry) in symbols.enumerated() {
            var slot = Int(truncatingIfNeeded: table.nameHash(at: Int(entry.tableIndex))) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(position + 1)
        }
        nameSlots = slots
        return slots
    }

    /// The next kallsyms-visible symbol start above `address` (what the
    /// kernel uses to print a symbol's size), or `nil` at the end.
    public func nextStart(after address: UInt64) -> UInt64? {
        let symbols = entries
        let low = symbols.partitionPoint { $0.start > address }
        return low < symbols.count ? symbols[low].start : nil
    }

    /// Whether an indexed symbol starting at `address` has bit 0 set in its
    /// raw value (a Thumb function, as raw kallsyms lists it).
    public func hasOddRawValue(at address: UInt64) -> Bool {
        let symbols = entries
        var position = symbols.partitionPoint { $0.start >= address }
        while position < symbols.count, symbols[position].start == address {
            if table.unnamedSymbol(at: Int(symbols[position].tableIndex)).value & 1 == 1 { return true }
            position += 1
        }
        return false
    }
}
