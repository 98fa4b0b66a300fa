internal import CLibdw
import ArchFixups

#if canImport(Glibc)
    import Glibc
#endif

/// An ELF symbol table, read where it lies.
///
/// For vmlinux (~150,000 symbols) nothing is copied: the entries and their
/// names stay in the file's mapping, and a symbol's `String` is made only
/// when it is asked for (``symbol(at:)``, ``name(at:)``). Small tables (modules,
/// tests) are a plain array of ``RawSymbol``.
///
/// Immutable once built, hence `Sendable`: the mapping and the libelf handle
/// are only read.
public final class SymbolTable: @unchecked Sendable {
    private enum Storage {
        case array([RawSymbol])
        case mapped(Mapped)
    }

    /// Host-order `Elf64_Sym`/`Elf32_Sym` entries inside a mapping kept alive here.
    private struct Mapped {
        let elf: OpaquePointer
        let file: MappedFile
        let entries: UnsafeRawPointer
        let count: Int
        let is64: Bool
        let strings: UnsafePointer<UInt8>
        let stringsSize: Int
        /// `SHT_SYMTAB_SHNDX` entries, when the table has them.
        let extendedIndexes: UnsafePointer<UInt32>?
        let extendedCount: Int
    }

    private let storage: Storage

    /// A table of already-read symbols.
    public init(_ symbols: [RawSymbol]) {
        storage = .array(symbols)
    }

    /// A table read in place from a mapped file's section data.
    init?(
        elf: OpaquePointer, file: MappedFile, data: UnsafeRawBufferPointer, is64: Bool,
        strings: UnsafeRawBufferPointer, extendedIndexes: UnsafeRawBufferPointer?
    ) {
        let entrySize = is64 ? MemoryLayout<Elf64_Sym>.size : MemoryLayout<Elf32_Sym>.size
        guard let entries = data.baseAddress, let names = strings.baseAddress,
            Int(bitPattern: entries) % 8 == 0
        else { return nil }
        storage = .mapped(
            Mapped(
                elf: elf, file: file, entries: entries, count: data.count / entrySize, is64: is64,
                strings: names.assumingMemoryBound(to: UInt8.self), stringsSize: strings.count,
                extendedIndexes: extendedIndexes?.baseAddress?.assumingMemoryBound(to: UInt32.self),
                extendedCount: (extendedIndexes?.count ?? 0) / 4))
    }

    deinit {
        if case .mapped(let mapped) = storage { elf_end(mapped.elf) }
    }

    public var count: Int {
        switch storage {
        case .array(let symbols): return symbols.count
        case .mapped(let mapped): return mapped.count
        }
    }

    /// Every symbol, in table order (for vmlinux: ~150,000 Strings; only
    /// for callers that need them all).
    public var all: [RawSymbol] {
        switch storage {
        case .array(let symbols): return symbols
        case .mapped: return (0..<count).map { symbol(at: $0) }
        }
    }

    /// The symbol at table index `index`, name included.
    public func symbol(at index: Int) -> RawSymbol {
        switch storage {
        case .array(let symbols): return symbols[index]
        case .mapped(let mapped):
            var symbol = Self.fields(mapped, index)
            symbol.name = name(at: index)
            return symbol
        }
    }

    /// The symbol at `index` without its name (`name` is empty), for the
    /// checks that only look at values, types and sections.
    public func unnamedSymbol(at index: Int) -> RawSymbol {
        switch storage {
        case .array(let symbols):
            var symbol = symbols[index]
            symbol.name = ""
            return symbol
        case .mapped(let mapped): return Self.fields(mapped, index)
        }
    }

    public func name(at index: Int) -> String {
        switch storage {
        case .array(let symbols): return symbols[index].name
        case .mapped(let mapped):
            return withName(mapped, index) { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// The name's first byte (0 for an empty name), without making a String.
    public func nameFirstByte(at index: Int) -> UInt8 {
        withNameBytes(at: index) { $0.first ?? 0 }
    }

    /// A hash of symbol `index`'s name, equal to ``hash(of:)`` of its String.
    public func nameHash(at index: Int) -> UInt64 {
        withNameBytes(at: index) { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return hash
        }
    }

    /// FNV-1a of a name's UTF-8 bytes.
    public static func hash(of name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// Whether symbol `index` is named `name`, without making a String.
    public func nameEquals(at index: Int, _ name: String) -> Bool {
        var wanted = name
        return wanted.withUTF8 { target in
            withNameBytes(at: index) { bytes in
                bytes.count == target.count
                    && (bytes.count == 0 || memcmp(bytes.baseAddress!, target.baseAddress!, bytes.count) == 0)
            }
        }
    }

    /// Calls `body` with the bytes of symbol `index`'s name.
    func withNameBytes<T>(at index: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        switch storage {
        case .array(let symbols):
            var name = symbols[index].name
            return name.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        case .mapped(let mapped): return withName(mapped, index, body)
        }
    }

    /// The first symbol (table order) with this name, if any.
    public func firstIndex(named name: String, where accept: (RawSymbol) -> Bool = { _ in true }) -> Int? {
        for index in 0..<count where nameEquals(at: index, name) && accept(unnamedSymbol(at: index)) {
            return index
        }
        return nil
    }

    private func withName<T>(_ mapped: Mapped, _ index: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let offset = Int(Self.nameOffset(mapped, index))
        guard offset < mapped.stringsSize else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let start = mapped.strings + offset
        let length = strnlen(UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), mapped.stringsSize - offset)
        return body(UnsafeRawBufferPointer(start: start, count: length))
    }

    private static func nameOffset(_ mapped: Mapped, _ index: Int) -> UInt32 {
        if mapped.is64 {
            return mapped.entries.load(fromByteOffset: index * MemoryLayout<Elf64_Sym>.size, as: Elf64_Sym.self).st_name
        }
        return mapped.entries.load(fromByteOffset: index * MemoryLayout<Elf32_Sym>.size, as: Elf32_Sym.self).st_name
    }

    private static func fields(_ mapped: Mapped, _ index: Int) -> RawSymbol {
        let value: UInt64
        let size: UInt64
        let info: UInt8
        let other: UInt8
        var section: UInt32
        if mapped.is64 {
            let sym = mapped.entries.load(fromByteOffset: index * MemoryLayout<Elf64_Sym>.size, as: Elf64_Sym.self)
            (value, size, info, other, section) = (sym.st_value, sym.st_size, sym.st_info, sym.st_other, UInt32(sym.st_shndx))
        } else {
            let sym = mapped.entries.load(fromByteOffset: index * MemoryLayout<Elf32_Sym>.size, as: Elf32_Sym.self)
            (value, size, info, other, section) = (
                UInt64(sym.st_value), UInt64(sym.st_size), sym.st_info, sym.st_other, UInt32(sym.st_shndx)
            )
        }
        if section == UInt32(SHN_XINDEX) {
            section = index < mapped.extendedCount ? mapped.extendedIndexes.map { $0[index] } ?? 0 : 0
        }
        return RawSymbol(
            name: "", value: value, size: size, type: SymbolType(elfType: ksym_st_type(info)),
            binding: SymbolBinding(elfBinding: ksym_st_bind(info)), sectionIndex: section, other: other)
    }
}
