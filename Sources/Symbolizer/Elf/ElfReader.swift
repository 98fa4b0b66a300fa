internal import CLibdw
import ArchFixups

#if canImport(Glibc)
    import Glibc
#endif

/// Reads an ELF file's headers, symbols, build id and `.modinfo` through libelf.
enum ElfReader {
    static let libelfReady: Bool = {
        elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)
    }()

    /// Reads `path` into an ``ElfContents``.
    ///
    /// - Throws: ``SymbolizerError/cannotOpen(path:reason:)`` or
    ///   ``SymbolizerError/notELF(path:reason:)``.
    static func read(path: String, mapped: MappedFile? = nil) throws(SymbolizerError) -> ElfContents {
        guard libelfReady else { throw .notELF(path: path, reason: "libelf could not be initialised") }
        if let mapped, let elf = mapped.elf() {
            // Kept open: the symbol table is read in place for the whole run.
            do {
                return try read(elf: elf, path: path, mapped: mapped)
            } catch {
                elf_end(elf)
                throw error
            }
        }
        return try withElf(path: path) { elf throws(SymbolizerError) in try read(elf: elf, path: path) }
    }

    /// Opens `path` with libelf for the duration of `body`: zstd-compressed
    /// modules decompressed in memory, `.xz`/`.gz` through dwelf_elf_begin.
    static func withElf<T>(path: String, _ body: (OpaquePointer) throws(SymbolizerError) -> T) throws(SymbolizerError) -> T {
        if ZstdImage.applies(to: path) {
            let image = try ZstdImage(path: path)
            guard let elf = image.elf() else {
                throw .notELF(path: path, reason: LibraryErrors.elf)
            }
            defer { elf_end(elf) }
            return try body(elf)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        // dwelf_elf_begin decompresses .ko.xz / .ko.gz (and .zst where elfutils has zstd).
        guard let elf = dwelf_elf_begin(fd) else {
            throw .notELF(path: path, reason: LibraryErrors.elf)
        }
        defer { elf_end(elf) }
        return try body(elf)
    }

    private static func read(elf: OpaquePointer, path: String, mapped: MappedFile? = nil) throws(SymbolizerError)
        -> ElfContents
    {
        guard elf_kind(elf) == ELF_K_ELF else {
            throw .notELF(path: path, reason: "not an ELF file")
        }
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else {
            throw .notELF(path: path, reason: LibraryErrors.elf)
        }
        let kind: ElfKind
        switch Int32(ehdr.e_type) {
        case ET_REL: kind = .relocatable
        case ET_EXEC: kind = .executable
        case ET_DYN: kind = .dynamic
        default: kind = .other(ehdr.e_type)
        }
        let is64 = ehdr.e_ident.4 == UInt8(ELFCLASS64)
        let little = ehdr.e_ident.5 == UInt8(ELFDATA2LSB)

        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else {
            throw .notELF(path: path, reason: "no section name table: \(LibraryErrors.elf)")
        }

        var sections: [ElfSection] = [ElfSection(index: 0, name: "", type: 0, flags: 0, address: 0, size: 0, alignment: 0)]
        var symtab: OpaquePointer?
        var dynsym: OpaquePointer?
        var modinfoScn: OpaquePointer?
        var hasDebugInfo = false
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            var shdr = GElf_Shdr()
            if gelf_getshdr(current, &shdr) != nil {
                let name = elf_strptr(elf, shstrndx, Int(shdr.sh_name)).map { String(cString: $0) } ?? ""
                let section = ElfSection(
                    index: UInt32(elf_ndxscn(current)), name: name, type: shdr.sh_type, flags: shdr.sh_flags,
                    address: shdr.sh_addr, size: shdr.sh_size, alignment: shdr.sh_addralign)
                sections.append(section)
                if shdr.sh_type == UInt32(SHT_SYMTAB) { symtab = current }
                if shdr.sh_type == UInt32(SHT_DYNSYM) { dynsym = current }
                if name == ".modinfo" { modinfoScn = current }
                if name == ".debug_info" || name == ".zdebug_info" { hasDebugInfo = true }
            }
            scn = elf_nextscn(elf, current)
        }
        sections.sort { $0.index < $1.index }

        var segments: [ElfSegment] = []
        var phnum = 0
        if elf_getphdrnum(elf, &phnum) == 0 {
            for i in 0..<phnum {
                var phdr = GElf_Phdr()
                if gelf_getphdr(elf, Int32(i), &phdr) != nil, phdr.p_type == UInt32(PT_LOAD) {
                    segments.append(
                        ElfSegment(virtualAddress: phdr.p_vaddr, memorySize: phdr.p_memsz, alignment: phdr.p_align))
                }
            }
        }

        let table: SymbolTable
        if let mapped, let section = symtab ?? dynsym,
            let inPlace = tableInPlace(elf: elf, section: section, file: mapped, is64: is64)
        {
            table = inPlace
        } else {
            table = SymbolTable((symtab ?? dynsym).map { readSymbols(elf: elf, section: $0) } ?? [])
            if mapped != nil { elf_end(elf) }
        }

        let buildID = buildID(elf: elf)

        var descriptors: [UInt64: ElfContents.CodeLocation] = [:]
        if let opd = sections.first(where: { $0.name == ".opd" }) {
            descriptors = readDescriptors(elf: elf, opd: opd, kind: kind, symbols: table.all, bigEndian: !little)
        }

        var modinfo: [String: String] = [:]
        if let modinfoScn, let data = elf_getdata(modinfoScn, nil), let buffer = data.pointee.d_buf {
            let bytes = UnsafeRawBufferPointer(start: buffer, count: data.pointee.d_size)
            for entry in bytes.split(separator: 0) {
                let text = String(decoding: entry, as: UTF8.self)
                if let equals = text.firstIndex(of: "=") {
                    let key = String(text[..<equals])
                    if modinfo[key] == nil { modinfo[key] = String(text[text.index(after: equals)...]) }
                }
            }
        }

        var banner: String?
        if kind.isKernelImage, let index = table.firstIndex(named: "linux_banner", where: { $0.type == .object }),
            case let symbol = table.unnamedSymbol(at: index),
            let section = sections.first(where: { $0.index == symbol.sectionIndex }), !section.isNoBits,
            let scn = elf_getscn(elf, Int(section.index)), let data = elf_getdata(scn, nil), let buffer = data.pointee.d_buf
        {
            let start = Int(truncatingIfNeeded: symbol.value &- section.address)
            let length = Int(min(symbol.size, 512))
            if start >= 0, start <= data.pointee.d_size - length {
                let bytes = UnsafeRawBufferPointer(start: buffer + start, count: length)
                banner = String(decoding: bytes.prefix { $0 != 0 && $0 != 0x0a }, as: UTF8.self)
            }
        }

        var contents = ElfContents(
            kind: kind, machine: ehdr.e_machine, is64Bit: is64, littleEndian: little, sections: sections,
            segments: segments, symbols: [], buildID: buildID, modinfo: modinfo, hasDebugInfo: hasDebugInfo,
            functionDescriptors: descriptors)
        contents.kernelBanner = banner
        contents.symbolTable = table
        return contents
    }

    /// The symbol table of a mapped file, read in place (`nil` when libelf
    /// had to convert it, or it has no string table).
    private static func tableInPlace(elf: OpaquePointer, section: OpaquePointer, file: MappedFile, is64: Bool)
        -> SymbolTable?
    {
        var shdr = GElf_Shdr()
        guard gelf_getshdr(section, &shdr) != nil, let data = elf_getdata(section, nil),
            let buffer = data.pointee.d_buf, let names = elf_getscn(elf, Int(shdr.sh_link)),
            let nameData = elf_getdata(names, nil), let nameBuffer = nameData.pointee.d_buf
        else { return nil }
        var extended: UnsafeRawBufferPointer?
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            var header = GElf_Shdr()
            if gelf_getshdr(current, &header) != nil, header.sh_type == UInt32(SHT_SYMTAB_SHNDX),
                header.sh_link == UInt32(elf_ndxscn(section)), let xdata = elf_getdata(current, nil),
                let xbuffer = xdata.pointee.d_buf
            {
                extended = UnsafeRawBufferPointer(start: xbuffer, count: xdata.pointee.d_size)
            }
            scn = elf_nextscn(elf, current)
        }
        return SymbolTable(
            elf: elf, file: file,
            data: UnsafeRawBufferPointer(start: buffer, count: min(data.pointee.d_size, Int(shdr.sh_size))),
            is64: is64, strings: UnsafeRawBufferPointer(start: nameBuffer, count: nameData.pointee.d_size),
            extendedIndexes: extended)
    }

    /// ppc64 ELFv1 function descriptors: the first doubleword of each 24-byte
    /// `.opd` entry is the code address. In a `.ko` it is still a relocation
    /// (`R_PPC64_ADDR64` against a code section); in vmlinux it is the value.
    private static func readDescriptors(
        elf: OpaquePointer, opd: ElfSection, kind: ElfKind, symbols: [RawSymbol], bigEndian: Bool
    ) -> [UInt64: ElfContents.CodeLocation] {
        var result: [UInt64: ElfContents.CodeLocation] = [:]
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            defer { scn = elf_nextscn(elf, current) }
            var shdr = GElf_Shdr()
            guard gelf_getshdr(current, &shdr) != nil else { continue }
            if kind == .relocatable, shdr.sh_type == UInt32(SHT_RELA), shdr.sh_info == opd.index, shdr.sh_entsize > 0,
                let data = elf_getdata(current, nil)
            {
                for i in 0..<Int(min(shdr.sh_size, UInt64(data.pointee.d_size)) / shdr.sh_entsize) {
                    var rela = GElf_Rela()
                    guard gelf_getrela(data, Int32(i), &rela) != nil, rela.r_offset % 24 == 0 else { continue }
                    let symbolIndex = Int(rela.r_info >> 32)
                    guard symbolIndex < symbols.count else { continue }
                    let target = symbols[symbolIndex]
                    result[rela.r_offset] = ElfContents.CodeLocation(
                        sectionIndex: target.sectionIndex, offset: target.value &+ UInt64(bitPattern: rela.r_addend))
                }
            } else if kind.isKernelImage, elf_ndxscn(current) == Int(opd.index), let data = elf_getdata(current, nil),
                let buffer = data.pointee.d_buf
            {
                let bytes = UnsafeRawBufferPointer(start: buffer, count: data.pointee.d_size)
                var offset = 0
                while offset + 8 <= bytes.count {
                    var value: UInt64 = 0
                    for byte in 0..<8 {
                        let shift = bigEndian ? UInt64(7 - byte) * 8 : UInt64(byte) * 8
                        value |= UInt64(bytes[offset + byte]) << shift
                    }
                    result[UInt64(offset)] = ElfContents.CodeLocation(sectionIndex: 0, offset: value)
                    offset += 24
                }
            }
        }
        return result
    }

    private static func readSymbols(elf: OpaquePointer, section: OpaquePointer) -> [RawSymbol] {
        var shdr = GElf_Shdr()
        guard gelf_getshdr(section, &shdr) != nil, shdr.sh_entsize > 0,
            let data = elf_getdata(section, nil)
        else { return [] }
        // The data's real size bounds the count, whatever a corrupt header says.
        let count = Int(min(shdr.sh_size, UInt64(data.pointee.d_size)) / shdr.sh_entsize)
        var symbols: [RawSymbol] = []
        symbols.reserveCapacity(count)
        for i in 0..<count {
            var sym = GElf_Sym()
            var xshndx: GElf_Word = 0
            guard gelf_getsymshndx(data, nil, Int32(i), &sym, &xshndx) != nil else { continue }
            let name = elf_strptr(elf, Int(shdr.sh_link), Int(sym.st_name)).map { String(cString: $0) } ?? ""
            let shndx = sym.st_shndx == UInt16(SHN_XINDEX) ? UInt32(xshndx) : UInt32(sym.st_shndx)
            symbols.append(
                RawSymbol(
                    name: name, value: sym.st_value, size: sym.st_size,
                    type: SymbolType(elfType: ksym_st_type(sym.st_info)),
                    binding: SymbolBinding(elfBinding: ksym_st_bind(sym.st_info)),
                    sectionIndex: shndx, other: sym.st_other))
        }
        return symbols
    }
}
