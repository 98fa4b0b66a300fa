internal import CLibdw
import ArchFixups

#if canImport(Glibc)
    import Glibc
#endif

/// A binary's code as the file has it, and which of its bytes the crashed
/// kernel may run differently: fields relocations fill in (a module's calls
/// and data references) and code the kernel patches at run time
/// (``PatchSiteTable``). Read once per binary, on the first report that needs it.
final class CodeImage: @unchecked Sendable {
    /// A code range of the file: a section's bytes at their link (vmlinux) or section-relative (`.ko`) place.
    struct Section {
        var index: UInt32
        var name: String
        /// Link address for vmlinux, 0 for a `.ko`'s sections.
        var address: UInt64
        var size: UInt64
        /// Where the bytes are in the file (compressed modules are read whole).
        var bytes: [UInt8]?
    }

    let path: String
    private(set) var littleEndian: Bool
    private(set) var is64Bit: Bool
    /// Executable sections, by index.
    private(set) var sections: [UInt32: Section] = [:]
    /// Per section: byte ranges (section offsets) that relocations rewrite, sorted.
    private(set) var relocated: [UInt32: [Range<UInt64>]] = [:]
    /// Per section: patch sites (section offsets for a `.ko`, link addresses for vmlinux) and their lengths.
    /// vmlinux's tables are read on first use (only a comparison needs them).
    var patchSites: [UInt32: [(offset: UInt64, length: Int)]] {
        if !tablesRead {
            tablesRead = true
            try? ElfReader.withElf(path: path) { (elf: OpaquePointer) throws(SymbolizerError) in self.readTables(elf) }
        }
        return sites
    }
    private var sites: [UInt32: [(offset: UInt64, length: Int)]] = [:]
    private var tablesRead = false
    private let fixup: any ArchFixup
    /// The values of the named symbols (vmlinux's table bounds), read when asked.
    private let symbolValues: (Set<String>) -> [String: UInt64]
    /// Why the file could not be read, when it could not.
    private(set) var failure: String?

    init(path: String, fixup: any ArchFixup, symbolValues: @escaping (Set<String>) -> [String: UInt64] = { _ in [:] }) {
        self.path = path
        self.fixup = fixup
        self.symbolValues = symbolValues
        littleEndian = true
        is64Bit = true
        var little = true
        var wide = true
        do {
            try ElfReader.withElf(path: path) { (elf: OpaquePointer) throws(SymbolizerError) in
                var ehdr = GElf_Ehdr()
                guard gelf_getehdr(elf, &ehdr) != nil else { throw .notELF(path: path, reason: LibraryErrors.elf) }
                little = ehdr.e_ident.5 == UInt8(ELFDATA2LSB)
                wide = ehdr.e_ident.4 == UInt8(ELFCLASS64)
                self.read(elf: elf, relocatable: Int32(ehdr.e_type) == ET_REL, fixup: fixup)
            }
        } catch {
            failure = error.description
        }
        littleEndian = little
        is64Bit = wide
    }

    /// Up to `count` bytes of section `index` from `offset` (section-relative).
    /// vmlinux's sections are read on first use, each once.
    func bytes(section index: UInt32, offset: UInt64, count: Int) -> [UInt8] {
        if let section = sections[index], section.bytes == nil {
            try? ElfReader.withElf(path: path) { (elf: OpaquePointer) throws(SymbolizerError) in
                if let scn = elf_getscn(elf, Int(index)) { self.sections[index]?.bytes = Self.data(scn) ?? [] }
            }
        }
        guard let section = sections[index], let bytes = section.bytes, offset < UInt64(bytes.count) else { return [] }
        let end = min(bytes.count, Int(offset) + count)
        return Array(bytes[Int(offset)..<end])
    }

    /// Whether section offset `offset` of `index` is rewritten by a relocation.
    func isRelocated(section index: UInt32, offset: UInt64) -> Bool {
        guard let ranges = relocated[index] else { return false }
        let next = ranges.partitionPoint { $0.lowerBound > offset }
        return ranges[..<next].suffix(4).contains { $0.contains(offset) }
    }

    private func read(elf: OpaquePointer, relocatable: Bool, fixup: any ArchFixup) {
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { return }
        var byName: [String: OpaquePointer] = [:]
        var relocationSections: [(scn: OpaquePointer, shdr: GElf_Shdr)] = []
        var symtab: OpaquePointer?
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            var shdr = GElf_Shdr()
            if gelf_getshdr(current, &shdr) != nil {
                let name = elf_strptr(elf, shstrndx, Int(shdr.sh_name)).map { String(cString: $0) } ?? ""
                let index = UInt32(elf_ndxscn(current))
                byName[name] = current
                if shdr.sh_flags & UInt64(SHF_EXECINSTR) != 0, shdr.sh_type == UInt32(SHT_PROGBITS) {
                    sections[index] = Section(
                        index: index, name: name, address: relocatable ? 0 : shdr.sh_addr, size: shdr.sh_size,
                        bytes: relocatable ? Self.data(current) : nil)
                }
                if shdr.sh_type == UInt32(SHT_RELA) || shdr.sh_type == UInt32(SHT_REL) {
                    relocationSections.append((current, shdr))
                }
                if shdr.sh_type == UInt32(SHT_SYMTAB) { symtab = current }
            }
            scn = elf_nextscn(elf, current)
        }
        let tables = Dictionary(fixup.patchSiteTables.map { ($0.section, $0) }, uniquingKeysWith: { first, _ in first })
        if relocatable {
            tablesRead = true
            guard let symtab else { return }
            readRelocations(relocationSections, symtab: symtab, elf: elf, fixup: fixup, tables: tables, byIndex: byName)
        }
        for key in relocated.keys { relocated[key]!.sort { $0.lowerBound < $1.lowerBound } }
        for key in sites.keys { sites[key]!.sort { $0.offset < $1.offset } }
    }

    /// vmlinux: its patch tables, decoded: a section of their own, or the
    /// stretch between their bounding symbols where the linker script merged
    /// them into another (`__start_mcount_loc` in `.init.data`).
    private func readTables(_ elf: OpaquePointer) {
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { return }
        var headers: [(scn: OpaquePointer, shdr: GElf_Shdr, name: String)] = []
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            var shdr = GElf_Shdr()
            if gelf_getshdr(current, &shdr) != nil {
                headers.append((current, shdr, elf_strptr(elf, shstrndx, Int(shdr.sh_name)).map { String(cString: $0) } ?? ""))
            }
            scn = elf_nextscn(elf, current)
        }
        let bounded = fixup.patchSiteTables.filter { table in !headers.contains { $0.name == table.section } }
        let wanted = Set(bounded.flatMap { table in table.bounds.map { [$0.start, $0.stop] } ?? [] })
        let symbols = wanted.isEmpty ? [:] : symbolValues(wanted)
        for table in fixup.patchSiteTables {
            if let own = headers.first(where: { $0.name == table.section }), let bytes = Self.data(own.scn) {
                readTable(table, bytes[...], at: own.shdr.sh_addr)
            } else if let bounds = table.bounds, let start = symbols[bounds.start], let stop = symbols[bounds.stop], stop > start,
                let holder = headers.first(where: {
                    $0.shdr.sh_addr <= start && stop <= $0.shdr.sh_addr &+ $0.shdr.sh_size && $0.shdr.sh_type != UInt32(SHT_NOBITS)
                }),
                let bytes = Self.data(holder.scn)
            {
                let from = Int(start &- holder.shdr.sh_addr)
                let to = min(bytes.count, Int(stop &- holder.shdr.sh_addr))
                if from < to { readTable(table, bytes[from..<to], at: start) }
            }
        }
        for key in sites.keys { sites[key]!.sort { $0.offset < $1.offset } }
    }

    /// A `.ko`: each relocation of a code section masks the bytes it fills in;
    /// each relocation of a patch-site table names a site (`S + A` in its section).
    private func readRelocations(
        _ relocationSections: [(scn: OpaquePointer, shdr: GElf_Shdr)], symtab: OpaquePointer, elf: OpaquePointer,
        fixup: any ArchFixup, tables: [String: PatchSiteTable], byIndex byName: [String: OpaquePointer]
    ) {
        guard let symbols = elf_getdata(symtab, nil) else { return }
        var header = GElf_Ehdr()
        let little = gelf_getehdr(elf, &header) == nil || header.e_ident.5 == UInt8(ELFDATA2LSB)
        var shstrndx = 0
        _ = elf_getshdrstrndx(elf, &shstrndx)
        for (scn, shdr) in relocationSections {
            let target = UInt32(shdr.sh_info)
            guard let targetScn = elf_getscn(elf, Int(target)) else { continue }
            var targetHeader = GElf_Shdr()
            guard gelf_getshdr(targetScn, &targetHeader) != nil else { continue }
            let targetName = elf_strptr(elf, shstrndx, Int(targetHeader.sh_name)).map { String(cString: $0) } ?? ""
            let isCode = sections[target] != nil
            let table = tables[targetName]
            guard isCode || table != nil, let data = elf_getdata(scn, nil) else { continue }
            let isRela = shdr.sh_type == UInt32(SHT_RELA)
            let count = shdr.sh_entsize == 0 ? 0 : Int(shdr.sh_size / shdr.sh_entsize)
            let targetBytes = table != nil && !isRela ? Self.data(targetScn) : nil
            for index in 0..<count {
                var offset: UInt64 = 0
                var info: UInt64 = 0
                var addend: Int64 = 0
                if isRela {
                    var rela = GElf_Rela()
                    guard gelf_getrela(data, Int32(index), &rela) != nil else { continue }
                    (offset, info, addend) = (rela.r_offset, rela.r_info, rela.r_addend)
                } else {
                    var rel = GElf_Rel()
                    guard gelf_getrel(data, Int32(index), &rel) != nil else { continue }
                    (offset, info) = (rel.r_offset, rel.r_info)
                }
                guard let (symbolIndex, type) = fixup.relocationSymbolAndType(info: info, littleEndian: little)
                else { continue }
                if isCode {
                    relocated[target, default: []].append(fixup.relocatedBytes(type: type, offset: offset))
                    continue
                }
                guard let table, symbolIndex != 0 else { continue }
                var symbol = GElf_Sym()
                guard gelf_getsym(symbols, Int32(symbolIndex), &symbol) != nil else { continue }
                if !isRela, let targetBytes, Int(offset) + 4 <= targetBytes.count {
                    // REL (32-bit ARM, MIPS): the addend is the field's own value.
                    addend = Int64(Int32(bitPattern: Self.read32(targetBytes, Int(offset), little: little)))
                }
                let site = symbol.st_value &+ UInt64(bitPattern: addend)
                let section = UInt32(symbol.st_shndx)
                guard sections[section] != nil else { continue }
                sites[section, default: []].append((site, table.length))
            }
        }
    }

    /// vmlinux: the table's entries, decoded; sites kept by the code section holding them.
    /// One table's entries (`table`'s bytes, the first at link address `address`).
    private func readTable(_ table: PatchSiteTable, _ slice: ArraySlice<UInt8>, at address: UInt64) {
        let bytes = Array(slice)
        let little = littleEndian
        let wide = is64Bit
        guard !bytes.isEmpty, let entrySize = table.entrySizes.first(where: { bytes.count % $0 == 0 }) else { return }
        var entry = 0
        while entry + entrySize <= bytes.count {
            let site: UInt64
            switch table.encoding {
            case .relative32:
                let delta = Int64(Int32(bitPattern: Self.read32(bytes, entry, little: little)))
                site = address &+ UInt64(entry) &+ UInt64(bitPattern: delta)
            case .absolute:
                site =
                    wide
                    ? UInt64(Self.read32(bytes, entry + (little ? 0 : 4), little: little))
                        | UInt64(Self.read32(bytes, entry + (little ? 4 : 0), little: little)) << 32
                    : UInt64(Self.read32(bytes, entry, little: little))
            }
            if let section = sections.values.first(where: { site >= $0.address && site < $0.address &+ $0.size }) {
                sites[section.index, default: []].append((site, table.length))
            }
            entry += entrySize
        }
    }

    private static func data(_ scn: OpaquePointer) -> [UInt8]? {
        guard let data = elf_getdata(scn, nil), let buffer = data.pointee.d_buf else { return nil }
        return Array(UnsafeRawBufferPointer(start: buffer, count: data.pointee.d_size))
    }

    private static func read32(_ bytes: [UInt8], _ offset: Int, little: Bool) -> UInt32 {
        guard offset + 4 <= bytes.count else { return 0 }
        let value = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
        return little ? value : value.byteSwapped
    }
}
