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
    private struct Entry {
        var start: UInt64
        var size: UInt64
        var sectionBase: UInt64
        var tableIndex: Int32
        var rank: Int8
        var isDescriptor: Bool
    }

    private let table: SymbolTable
    /// The entries for a range of the symbol table, in table order.
    private let build: (Range<Int>) -> [Entry]
    /// Every entry, in table order.
    private var unsortedEntries: [Entry]?
    /// Every entry in address order.
    private var sortedEntries: [Entry]?
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
            entries.reserveCapacity(range.count / 2)
            let descriptorSection = fixup.functionDescriptorSection
            // Per section index: whether it holds code, whether it holds descriptors.
            var executable = [Bool](repeating: false, count: contents.sections.count)
            var descriptors = [Bool](repeating: false, count: contents.sections.count)
            for section in contents.sections where Int(section.index) < executable.count {
                executable[Int(section.index)] = section.isExecutable
                descriptors[Int(section.index)] = descriptorSection != nil && section.name == descriptorSection
            }
            for tableIndex in range {
                // Most of vmlinux's symbols are data: drop them before reading more.
                if let section = table.codeCandidateSection(at: tableIndex) {
                    if section < executable.count, !executable[section], !descriptors[section] { continue }
                } else {
                    continue
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
            return entries
        }
    }

    /// `entries` (in table order) sorted by start, then best rank first,
    /// then table order: a stable counting sort by rank, then stable radix
    /// passes over the start's varying bits (a comparison sort of vmlinux's
    /// ~50,000 code symbols took as long as reading them).
    private static func sortedByAddress(_ entries: [Entry]) -> [Entry] {
        guard let first = entries.first else { return entries }
        var low = first.start
        var high = first.start
        for entry in entries {
            low = min(low, entry.start)
            high = max(high, entry.start)
        }
        let bits = 64 - (high - low).leadingZeroBitCount
        let digit = 11
        var result = entries
        var scratch = entries
        var counts = [Int](repeating: 0, count: (1 << digit) + 1)
        result.withUnsafeMutableBufferPointer { current in
            scratch.withUnsafeMutableBufferPointer { other in
                counts.withUnsafeMutableBufferPointer { counts in
                    var (source, target) = (current, other)
                    /// One stable counting pass by `bucket` (0..<buckets) from `source` into `target`.
                    func pass(_ buckets: Int, _ bucket: (Entry) -> Int) {
                        for index in 0...buckets { counts[index] = 0 }
                        for entry in source { counts[bucket(entry) + 1] += 1 }
                        for index in 1...buckets { counts[index] += counts[index - 1] }
                        for entry in source {
                            let key = bucket(entry)
                            target[counts[key]] = entry
                            counts[key] += 1
                        }
                        swap(&source, &target)
                    }
                    // Ranks are 0...3; best (highest) first.
                    pass(4) { 3 - Int($0.rank) }
                    var shift = 0
                    while shift < bits {
                        let amount = UInt64(shift)
                        pass(1 << digit) { Int(truncatingIfNeeded: ($0.start &- low) >> amount) & (1 << digit - 1) }
                        shift += digit
                    }
                    // An odd number of passes leaves the answer in the scratch buffer.
                    if source.baseAddress != current.baseAddress {
                        for index in 0..<current.count { current[index] = source[index] }
                    }
                }
            }
        }
        return result
    }

    /// Every entry in table order, read by two threads for a large table.
    private var unsorted: [Entry] {
        if let unsortedEntries { return unsortedEntries }
        let count = table.count
        let made: [Entry]
        if count < 20_000 {
            made = build(0..<count)
        } else {
            let halves = Mutex([[Entry]](repeating: [], count: 2))
            // The closure only reads the ELF contents and the layout, which nothing changes meanwhile.
            let build = UncheckedBox(self.build)
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                let part = build.value(half == 0 ? 0..<count / 2 : count / 2..<count)
                halves.withLock { $0[half] = part }
            }
            made = halves.withLock { $0[0] + $0[1] }
        }
        unsortedEntries = made
        return made
    }

    private var entries: [Entry] {
        if let sortedEntries { return sortedEntries }
        let made = Self.sortedByAddress(unsorted)
        sortedEntries = made
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

    /// Builds the address order and the name hash now, side by side.
    public func warm() {
        let entries = unsorted
        guard sortedEntries == nil || nameSlots == nil else { return }
        let results = Mutex(([Entry]?.none, [Int32]?.none))
        // The hash only reads the symbol table, which is immutable.
        let index = UncheckedBox(self)
        DispatchQueue.concurrentPerform(iterations: 2) { job in
            if job == 0 {
                let sorted = Self.sortedByAddress(entries)
                results.withLock { $0.0 = sorted }
            } else {
                let slots = index.value.makeNameHash(entries)
                results.withLock { $0.1 = slots }
            }
        }
        results.withLock {
            sortedEntries = $0.0
            nameSlots = $0.1
        }
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
    private static func addressOrder(_ lhs: Entry, _ rhs: Entry) -> Bool {
        if lhs.start != rhs.start { return lhs.start < rhs.start }
        if lhs.rank != rhs.rank { return lhs.rank > rhs.rank }
        return lhs.tableIndex < rhs.tableIndex
    }

    private func nameHash() -> [Int32] {
        if let nameSlots { return nameSlots }
        let made = makeNameHash(unsorted)
        nameSlots = made
        return made
    }

    private func makeNameHash(_ symbols: [Entry]) -> [Int32] {
        var capacity = 16
        while capacity < symbols.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: 0, count: capacity)
        let mask = capacity - 1
        for (position, entry) in symbols.enumerated() {
            var slot = Int(truncatingIfNeeded: table.nameHash(at: Int(entry.tableIndex))) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(position + 1)
        }
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
