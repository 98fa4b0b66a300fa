import ArchFixups
import Dispatch
import Synchronization

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
    struct Entry {
        var start: UInt64
        var size: UInt64
        var sectionBase: UInt64
        var tableIndex: Int32
        var rank: Int8
        var isDescriptor: Bool
    }

    private let table: SymbolTable
    /// The entries for a range of the symbol table, in table order, and the hash of each one's name.
    private let build: (Range<Int>) -> (entries: [Entry], nameHashes: [UInt64])
    /// Every entry, in table order.
    private var unsortedEntries: [Entry]?
    /// ``SymbolTable/nameHash(at:)`` of each of `unsortedEntries`, hashed while its name was at hand.
    private var unsortedNameHashes: [UInt64] = []
    /// Every entry in address order.
    private var sortedOrder: AddressOrder?

    /// The entries in address order: positions in the table-order entries,
    /// and each one's start (what binary searches read: 8 bytes an entry).
    struct AddressOrder {
        var starts: [UInt64]
        var positions: [Int32]
    }
    /// Open addressing over the table-order entries: position + 1, 0 for an empty slot.
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
        build = { range in
            var entries: [Entry] = []
            var nameHashes: [UInt64] = []
            entries.reserveCapacity(range.count / 2)
            nameHashes.reserveCapacity(range.count / 2)
            func add(_ entry: Entry) {
                entries.append(entry)
                nameHashes.append(table.nameHash(at: Int(entry.tableIndex)))
            }
            let lookahead = 32
            let descriptorSection = fixup.functionDescriptorSection
            // Per section index: whether it holds code, whether it holds descriptors.
            var executable = [Bool](repeating: false, count: contents.sections.count)
            var descriptors = [Bool](repeating: false, count: contents.sections.count)
            for section in contents.sections where Int(section.index) < executable.count {
                executable[Int(section.index)] = section.isExecutable
                descriptors[Int(section.index)] = descriptorSection != nil && section.name == descriptorSection
            }
            // Most of vmlinux's symbols are data: drop them before reading more.
            var candidates: [Int32] = []
            candidates.reserveCapacity(range.count / 2)
            for tableIndex in range {
                guard let section = table.codeCandidateSection(at: tableIndex) else { continue }
                if section < executable.count, !executable[section], !descriptors[section] { continue }
                candidates.append(Int32(tableIndex))
            }
            for (position, candidate) in candidates.enumerated() {
                let tableIndex = Int(candidate)
                // The name of a candidate a few places on is needed soon: have it fetched meanwhile.
                if position + lookahead < candidates.count {
                    table.prefetchName(at: Int(candidates[position + lookahead]))
                }
                var raw = table.unnamedSymbol(at: tableIndex)
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
                    add(
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
                    add(
                        Entry(
                            start: base &+ code.offset, size: raw.size, sectionBase: base, tableIndex: Int32(tableIndex),
                            rank: Self.rank(raw), isDescriptor: true))
                    continue
                }
                guard executable[sectionIndex], let base = sectionAddress(raw.sectionIndex) else { continue }
                add(
                    Entry(
                        start: base &+ fixup.codeAddress(of: raw), size: raw.size, sectionBase: base,
                        tableIndex: Int32(tableIndex), rank: Self.rank(raw), isDescriptor: false))
            }
            return (entries, nameHashes)
        }
    }

    /// Every entry in table order, read by two threads for a large table.
    private var unsorted: [Entry] {
        if let unsortedEntries { return unsortedEntries }
        let count = table.count
        let made: [Entry]
        if count < 20_000 {
            (made, unsortedNameHashes) = build(0..<count)
        } else {
            let halves = Mutex([([Entry], [UInt64])](repeating: ([], []), count: 2))
            // The closure only reads the ELF contents and the layout, which nothing changes meanwhile.
            let build = UncheckedBox(self.build)
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                let part = build.value(half == 0 ? 0..<count / 2 : count / 2..<count)
                halves.withLock { $0[half] = part }
            }
            (made, unsortedNameHashes) = halves.withLock { ($0[0].0 + $0[1].0, $0[0].1 + $0[1].1) }
        }
        unsortedEntries = made
        return made
    }

    /// The address order, with the table-order entries its positions refer to.
    private var ordered: (order: AddressOrder, entries: [Entry]) {
        let entries = unsorted
        if let sortedOrder { return (sortedOrder, entries) }
        let made = Self.sortedByAddress(entries)
        sortedOrder = made
        return (made, entries)
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
        _ = ordered
    }

    /// Builds the address order and the name hash now, side by side.
    public func warm() {
        let entries = unsorted
        guard sortedOrder == nil || nameSlots == nil else { return }
        let results = Mutex((AddressOrder?.none, [Int32]?.none))
        let hashes = unsortedNameHashes
        DispatchQueue.concurrentPerform(iterations: 2) { job in
            if job == 0 {
                let sorted = Self.sortedByAddress(entries)
                results.withLock { $0.0 = sorted }
            } else {
                let slots = Self.makeNameHash(hashes)
                results.withLock { $0.1 = slots }
            }
        }
        results.withLock {
            sortedOrder = $0.0
            nameSlots = $0.1
        }
    }

    /// Code symbols sorted by start, best symbol first among equal starts
    /// (makes every name: for tests and tools, not for lookups).
    public var symbols: [IndexedSymbol] {
        let (order, entries) = ordered
        return order.positions.map { indexed(entries[Int($0)]) }
    }

    /// The function that contains `address`: the best symbol whose
    /// `[start, start + size)` holds it, else the closest preceding untyped
    /// label of size 0 (assembly entry points).
    public func symbol(containing address: UInt64) -> IndexedSymbol? {
        let (order, entries) = ordered
        let low = order.starts.partitionPoint { $0 > address }
        guard low > 0 else { return nil }
        // Walk back over symbols that start at or before address: the first that contains it wins.
        var position = low - 1
        let closest = entries[Int(order.positions[position])]
        var examined = 0
        while position >= 0, examined < 64 {
            let candidate = entries[Int(order.positions[position])]
            if address < candidate.start &+ candidate.size {
                return indexed(entries[Int(order.positions[bestAlias(order.starts, at: position)])])
            }
            position -= 1
            examined += 1
        }
        return closest.size == 0 ? indexed(closest) : nil
    }

    /// The symbol kallsyms names for `address`: the closest start at or
    /// before it, sized or not (an assembly label inside a sized symbol
    /// included), the best of its aliases.
    public func nearestSymbol(atOrBefore address: UInt64) -> IndexedSymbol? {
        let (order, entries) = ordered
        let low = order.starts.partitionPoint { $0 > address }
        guard low > 0 else { return nil }
        return indexed(entries[Int(order.positions[bestAlias(order.starts, at: low - 1)])])
    }

    private func bestAlias(_ starts: [UInt64], at position: Int) -> Int {
        var best = position
        var index = position - 1
        while index >= 0, starts[index] == starts[position] {
            best = index
            index -= 1
        }
        return best
    }

    /// Symbols with this name (a static function may exist more than once),
    /// in address order.
    public func symbols(named name: String) -> [IndexedSymbol] {
        let symbols = unsorted
        let slots = nameHash()
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: SymbolTable.hash(of: name)) & mask
        var found: [Entry] = []
        while slots[slot] != 0 {
            let entry = symbols[Int(slots[slot]) - 1]
            if table.nameEquals(at: Int(entry.tableIndex), name) { found.append(entry) }
            slot = (slot + 1) & mask
        }
        return found.sorted(by: Self.addressOrder).map(indexed)
    }

    /// The address order: by start, then best rank first, then table order.
    static func addressOrder(_ lhs: Entry, _ rhs: Entry) -> Bool {
        if lhs.start != rhs.start { return lhs.start < rhs.start }
        if lhs.rank != rhs.rank { return lhs.rank > rhs.rank }
        return lhs.tableIndex < rhs.tableIndex
    }

    private func nameHash() -> [Int32] {
        if let nameSlots { return nameSlots }
        _ = unsorted
        let made = Self.makeNameHash(unsortedNameHashes)
        nameSlots = made
        return made
    }

    private static func makeNameHash(_ hashes: [UInt64]) -> [Int32] {
        var capacity = 16
        while capacity < hashes.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for (position, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(position + 1)
        }
        return slots
    }

    /// The next kallsyms-visible symbol start above `address` (what the
    /// kernel uses to print a symbol's size), or `nil` at the end.
    public func nextStart(after address: UInt64) -> UInt64? {
        let starts = ordered.order.starts
        let low = starts.partitionPoint { $0 > address }
        return low < starts.count ? starts[low] : nil
    }

    /// Whether an indexed symbol starting at `address` has bit 0 set in its
    /// raw value (a Thumb function, as raw kallsyms lists it).
    public func hasOddRawValue(at address: UInt64) -> Bool {
        let (order, entries) = ordered
        var position = order.starts.partitionPoint { $0 >= address }
        while position < order.starts.count, order.starts[position] == address {
            let tableIndex = entries[Int(order.positions[position])].tableIndex
            if table.unnamedSymbol(at: Int(tableIndex)).value & 1 == 1 { return true }
            position += 1
        }
        return false
    }
}
