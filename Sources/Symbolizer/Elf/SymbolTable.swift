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
    /// The symbols, when they were read into values (modules, tests).
    private let array: [RawSymbol]?
    // In place: host-order Elf64_Sym/Elf32_Sym entries inside a mapping kept alive here.
    private let elf: OpaquePointer?
    private let file: MappedFile?
    private let entries: UnsafeRawPointer?
    private let entryCount: Int
    private let is64: Bool
    private let strings: UnsafePointer<UInt8>?
    private let stringsSize: Int
    /// `SHT_SYMTAB_SHNDX` entries, when the table has them.
    private let extendedIndexes: UnsafePointer<UInt32>?
    private let extendedCount: Int

    /// A table of already-read symbols.
    public init(_ symbols: [RawSymbol]) {
        array = symbols
        elf = nil
        file = nil
        entries = nil
        entryCount = symbols.count
        is64 = true
        strings = nil
        stringsSize = 0
        extendedIndexes = nil
        extendedCount = 0
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
        array = nil
        self.elf = elf
        self.file = file
        self.entries = entries
        entryCount = data.count / entrySize
        self.is64 = is64
        self.strings = names.assumingMemoryBound(to: UInt8.self)
        stringsSize = strings.count
        self.extendedIndexes = extendedIndexes?.baseAddress?.assumingMemoryBound(to: UInt32.self)
        extendedCount = (extendedIndexes?.count ?? 0) / 4
    }

    deinit {
        if let elf { elf_end(elf) }
    }

    public var count: Int { entryCount }

    /// Every symbol, in table order (for vmlinux: ~150,000 Strings; only
    /// for callers that need them all).
    public var all: [RawSymbol] {
        if let array { return array }
        return (0..<count).map { symbol(at: $0) }
    }

    /// The symbol at table index `index`, name included.
    public func symbol(at index: Int) -> RawSymbol {
        if let array { return array[index] }
        var symbol = fields(index)
        symbol.name = name(at: index)
        return symbol
    }

    /// The symbol at `index` without its name (`name` is empty), for the
    /// checks that only look at values, types and sections.
    public func unnamedSymbol(at index: Int) -> RawSymbol {
        if let array {
            var symbol = array[index]
            symbol.name = ""
            return symbol
        }
        return fields(index)
    }

    public func name(at index: Int) -> String {
        if let array { return array[index].name }
        return withNameBytes(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Asks the CPU to fetch symbol `index`'s name now, for a loop that reads
    /// it a few symbols later (names lie all over vmlinux's 2.7 MB string
    /// table: waiting for each one's cache line was most of indexing it).
    public func prefetchName(at index: Int) {
        guard array == nil, let strings, index < entryCount else { return }
        let offset = Int(nameOffset(index))
        if offset < stringsSize { ksym_prefetch(strings + offset) }
    }

    /// The name's first byte (0 for an empty name), without making a String.
    public func nameFirstByte(at index: Int) -> UInt8 {
        if let array { return array[index].name.utf8.first ?? 0 }
        let offset = Int(nameOffset(index))
        guard let strings, offset < stringsSize else { return 0 }
        return strings[offset]
    }

    /// A hash of symbol `index`'s name, equal to ``hash(of:)`` of its String.
    ///
    /// Read eight bytes at a time, the end of the name found in the same
    /// words that are hashed (vmlinux hashes ~50,000 names before its first
    /// name lookup; finding each length first took as long as the hashing).
    public func nameHash(at index: Int) -> UInt64 {
        if let array {
            var name = array[index].name
            return name.withUTF8 { Self.hash(bytes: UnsafeRawBufferPointer($0)) }
        }
        let offset = Int(nameOffset(index))
        guard let strings, offset < stringsSize else { return Self.hash(bytes: UnsafeRawBufferPointer(start: nil, count: 0)) }
        var hash = Self.hashSeed
        var position = offset
        var length = 0
        while position + 8 <= stringsSize {
            let word = UnsafeRawPointer(strings + position).loadUnaligned(as: UInt64.self)
            // A zero byte in `word`: the lowest set bit of this marks the first (little-endian).
            let zeros = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
            if zeros == 0 {
                hash = Self.mix(hash, word)
                position += 8
                length += 8
                continue
            }
            let bytes = zeros.trailingZeroBitCount / 8
            if bytes > 0 { hash = Self.mix(hash, word & (UInt64.max >> (64 - 8 * bytes))) }
            return Self.finish(hash, length: length + bytes)
        }
        // The last few bytes of the string table: one at a time.
        var tail: UInt64 = 0
        var bytes = 0
        while position < stringsSize, strings[position] != 0, bytes < 8 {
            tail |= UInt64(strings[position]) << (8 * bytes)
            position += 1
            bytes += 1
        }
        if bytes == 8 {
            // Only possible for a name not NUL-terminated inside the table: hash what a String would.
            return withNameBytes(at: index) { Self.hash(bytes: $0) }
        }
        if bytes > 0 { hash = Self.mix(hash, tail) }
        return Self.finish(hash, length: length + bytes)
    }

    /// The hash of a name's UTF-8 bytes that ``nameHash(at:)`` uses.
    public static func hash(of name: String) -> UInt64 {
        var name = name
        return name.withUTF8 { hash(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Eight bytes at a time, little-endian, the last word zero-padded;
    /// then the length, and a multiply-xorshift so that similar names
    /// spread over the table.
    private static func hash(bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash = hashSeed
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = mix(hash, bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            for position in offset..<bytes.count { tail |= UInt64(bytes[position]) << (8 * (position - offset)) }
            hash = mix(hash, tail)
        }
        return finish(hash, length: bytes.count)
    }

    private static let hashSeed: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inline(__always)
    private static func mix(_ hash: UInt64, _ word: UInt64) -> UInt64 {
        let mixed = (hash ^ word) &* 0xff51_afd7_ed55_8ccd
        return mixed ^ (mixed >> 32)
    }

    @inline(__always)
    private static func finish(_ hash: UInt64, length: Int) -> UInt64 {
        var hash = (hash ^ UInt64(length)) &* 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash ^ (hash >> 29)
    }

    /// Whether symbol `index` is named `name`, without making a String.
    public func nameEquals(at index: Int, _ name: String) -> Bool {
        if let array { return array[index].name == name }
        var wanted = name
        return wanted.withUTF8 { target in
            withNameBytes(at: index) { bytes in
                bytes.count == target.count
                    && (bytes.count == 0 || memcmp(bytes.baseAddress!, target.baseAddress!, bytes.count) == 0)
            }
        }
    }

    /// The first symbol (table order) with this name, if any.
    public func firstIndex(named name: String, where accept: (RawSymbol) -> Bool = { _ in true }) -> Int? {
        let first = name.utf8.first ?? 0
        for index in 0..<count where nameFirstByte(at: index) == first {
            if nameEquals(at: index, name) && accept(unnamedSymbol(at: index)) { return index }
        }
        return nil
    }

    /// Calls `body` with the bytes of symbol `index`'s name (mapped tables only).
    private func withNameBytes<T>(at index: Int, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let offset = Int(nameOffset(index))
        guard let strings, offset < stringsSize else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let start = strings + offset
        let length = strnlen(UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), stringsSize - offset)
        return body(UnsafeRawBufferPointer(start: start, count: length))
    }

    private func nameOffset(_ index: Int) -> UInt32 {
        guard let entries else { return 0 }
        if is64 {
            return entries.load(fromByteOffset: index * MemoryLayout<Elf64_Sym>.size, as: Elf64_Sym.self).st_name
        }
        return entries.load(fromByteOffset: index * MemoryLayout<Elf32_Sym>.size, as: Elf32_Sym.self).st_name
    }

    /// The section index of symbol `index` when it may be a code symbol
    /// (a function, `STT_NOTYPE` or `STT_GNU_IFUNC`, defined and not
    /// absolute); `nil` when it cannot be one. Cheaper than making the
    /// symbol, for the filters that drop most of a table.
    public func codeCandidateSection(at index: Int) -> Int? {
        guard let entries else {
            let symbol = unnamedSymbol(at: index)
            guard symbol.type == .function || symbol.type == .notype || symbol.type == .gnuIFunc,
                !symbol.isUndefined, !symbol.isAbsolute
            else { return nil }
            return Int(symbol.sectionIndex)
        }
        let info: UInt8
        var section: UInt32
        if is64 {
            let sym = entries.load(fromByteOffset: index * MemoryLayout<Elf64_Sym>.size, as: Elf64_Sym.self)
            (info, section) = (sym.st_info, UInt32(sym.st_shndx))
        } else {
            let sym = entries.load(fromByteOffset: index * MemoryLayout<Elf32_Sym>.size, as: Elf32_Sym.self)
            (info, section) = (sym.st_info, UInt32(sym.st_shndx))
        }
        let type = Int32(info & 0xf)
        guard type == STT_FUNC || type == STT_NOTYPE || type == STT_GNU_IFUNC else { return nil }
        if section == UInt32(SHN_XINDEX) {
            section = index < extendedCount ? extendedIndexes.map { $0[index] } ?? 0 : 0
        }
        guard section != UInt32(SHN_UNDEF), section != UInt32(SHN_ABS) else { return nil }
        return Int(section)
    }

    private func fields(_ index: Int) -> RawSymbol {
        guard let entries else { return RawSymbol(name: "", value: 0, size: 0, type: .notype, binding: .local, sectionIndex: 0) }
        let value: UInt64
        let size: UInt64
        let info: UInt8
        let other: UInt8
        var section: UInt32
        if is64 {
            let sym = entries.load(fromByteOffset: index * MemoryLayout<Elf64_Sym>.size, as: Elf64_Sym.self)
            (value, size, info, other, section) = (sym.st_value, sym.st_size, sym.st_info, sym.st_other, UInt32(sym.st_shndx))
        } else {
            let sym = entries.load(fromByteOffset: index * MemoryLayout<Elf32_Sym>.size, as: Elf32_Sym.self)
            (value, size, info, other, section) = (
                UInt64(sym.st_value), UInt64(sym.st_size), sym.st_info, sym.st_other, UInt32(sym.st_shndx)
            )
        }
        if section == UInt32(SHN_XINDEX) {
            section = index < extendedCount ? extendedIndexes.map { $0[index] } ?? 0 : 0
        }
        return RawSymbol(
            name: "", value: value, size: size, type: SymbolType(elfType: ksym_st_type(info)),
            binding: SymbolBinding(elfBinding: ksym_st_bind(info)), sectionIndex: section, other: other)
    }
}
