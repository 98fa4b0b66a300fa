internal import CLibdw
import ArchFixups

#if canImport(Glibc)
    import Glibc
#endif

/// An x86-64 module's DWARF opened with libdw directly, relocated by
/// ksymbolize one compilation unit at a time.
///
/// libdwfl relocates every debug section of a `.ko` when it opens it: for
/// xfs.ko that is ~740,000 relocations over 11 MB of `.debug_info`, most of
/// a module's load time, for the one or two CUs an oops touches. Here the
/// file is mapped privately (pages are copied only where written), and:
///
/// - up front: `.debug_aranges`, `.debug_rnglists` (small), and the header
///   of every CU (libdw reads them all to find one);
/// - on first use of a CU: the relocations inside its `.debug_info` range
///   and its line program, found by binary search (`.rela.debug_*` are
///   sorted by offset, as `ld -r` writes them; checked, else the whole
///   section is relocated).
///
/// Relocations are applied as libdwfl applies them: `S + A` for the plain
/// 64- and 32-bit types DWARF uses, relocations against undefined symbols
/// left alone. Anything else (another machine, compressed sections, another
/// relocation type up front, `.rel` sections) and the caller uses libdwfl.
final class LazyRelocatedDwarf {
    /// Set last in `init` (which fails, cleaned up by `deinit`, without it).
    private(set) var dwarf: OpaquePointer!
    private let elf: OpaquePointer
    private let base: UnsafeMutableRawPointer
    private let size: Int
    /// The file, open for reading headers with `pread` (see `init`).
    private let file: Int32
    /// Where the mapping's bytes are in the file: the mapping starts at offset 0.
    private func fileOffset(of pointer: UnsafeRawPointer) -> Int { pointer - UnsafeRawPointer(base) }

    /// One `SHT_RELA` section for a debug section.
    private struct RelocationSet {
        var entries: UnsafePointer<Elf64_Rela>
        var count: Int
        var target: UnsafeMutableRawPointer
        var targetSize: Int
    }

    private let symbols: UnsafePointer<Elf64_Sym>
    private let symbolCount: Int
    /// Session address of each section by index (0 for sections not placed: debug sections).
    private let sectionBases: [UInt64]
    private var info: RelocationSet?
    private var line: RelocationSet?
    /// `.debug_loclists`/`.debug_loc`: relocated whole, when variables' locations are first asked for.
    private var locationLists: [RelocationSet] = []
    private var locationListsRelocated = false
    private var relocatedLines: Set<UInt64> = []
    /// CU header offsets, in order, and the end of the last.
    private var unitStarts: [UInt64] = []
    private var relocatedUnits: Set<UInt64> = []
    private var everything = false
    /// The debug sections in the mapping, by name (relocated as described above).
    private var debugBuffers: [String: UnsafeRawBufferPointer] = [:]

    /// A debug section's bytes: `.debug_info` and `.debug_line` are
    /// relocated only for the units ``unitDieOffset(containing:)`` returned.
    func section(named name: String) -> UnsafeRawBufferPointer? { debugBuffers[name] }

    deinit {
        if let dwarf { dwarf_end(dwarf) }
        elf_end(elf)
        munmap(base, size)
        close(file)
    }

    /// Undoes what `init` did before it had a complete object.
    private static func fail(_ elf: OpaquePointer, _ address: UnsafeMutableRawPointer, _ size: Int) {
        elf_end(elf)
        munmap(address, size)
    }

    /// `nil` when this module is not one this relocator handles (see above).
    init?(path: String, sectionAddresses: [UInt32: UInt64]) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var keepOpen = false
        defer { if !keepOpen { close(fd) } }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_size >= 64 else { return nil }
        let size = Int(status.st_size)
        guard let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), address != MAP_FAILED
        else { return nil }

        let header = address.assumingMemoryBound(to: UInt8.self)
        // ELF64, little-endian, ET_REL, EM_X86_64 (on a little-endian host).
        guard 1.littleEndian == 1, header[0] == 0x7f, header[1] == 0x45, header[2] == 0x4c, header[3] == 0x46,
            header[4] == 2, header[5] == 1,
            address.load(fromByteOffset: 16, as: UInt16.self) == UInt16(ET_REL),
            address.load(fromByteOffset: 18, as: UInt16.self) == UInt16(EM_X86_64),
            let elf = elf_memory(address.assumingMemoryBound(to: CChar.self), size)
        else {
            munmap(address, size)
            return nil
        }


        // Sections: symbol table, debug sections and their RELA sections.
        var symtab: (UnsafePointer<Elf64_Sym>, Int)?
        var debugSections: [Int: (name: String, data: UnsafeMutableRawPointer, size: Int)] = [:]
        var relas: [(target: Int, entries: UnsafePointer<Elf64_Rela>, count: Int)] = []
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { Self.fail(elf, address, size); return nil }
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            defer { scn = elf_nextscn(elf, current) }
            var shdr = GElf_Shdr()
            guard gelf_getshdr(current, &shdr) != nil else { Self.fail(elf, address, size); return nil }
            let name = elf_strptr(elf, shstrndx, Int(shdr.sh_name)).map { String(cString: $0) } ?? ""
            let index = Int(elf_ndxscn(current))
            if shdr.sh_type == UInt32(SHT_SYMTAB) {
                guard let data = elf_getdata(current, nil), let buffer = data.pointee.d_buf,
                    shdr.sh_entsize == UInt64(MemoryLayout<Elf64_Sym>.size), Int(bitPattern: buffer) % 8 == 0
                else { Self.fail(elf, address, size); return nil }
                symtab = (
                    UnsafePointer(buffer.assumingMemoryBound(to: Elf64_Sym.self)),
                    data.pointee.d_size / MemoryLayout<Elf64_Sym>.size
                )
            } else if name.hasPrefix(".debug_") && shdr.sh_type != UInt32(SHT_NOBITS) {
                guard shdr.sh_flags & UInt64(SHF_COMPRESSED) == 0, let data = elf_getdata(current, nil),
                    let buffer = data.pointee.d_buf
                else { Self.fail(elf, address, size); return nil }
                debugSections[index] = (name, buffer, data.pointee.d_size)
            } else if shdr.sh_type == UInt32(SHT_REL), name.hasPrefix(".rel.debug_") {
                Self.fail(elf, address, size); return nil
            } else if shdr.sh_type == UInt32(SHT_RELA), name.hasPrefix(".rela.debug_") {
                guard shdr.sh_entsize == UInt64(MemoryLayout<Elf64_Rela>.size), let data = elf_getdata(current, nil),
                    let buffer = data.pointee.d_buf, Int(bitPattern: buffer) % 8 == 0
                else { Self.fail(elf, address, size); return nil }
                relas.append(
                    (
                        Int(shdr.sh_info), UnsafePointer(buffer.assumingMemoryBound(to: Elf64_Rela.self)),
                        data.pointee.d_size / MemoryLayout<Elf64_Rela>.size
                    ))
            }
        }
        guard let symtab, debugSections.values.contains(where: { $0.name == ".debug_info" }) else { Self.fail(elf, address, size); return nil }

        self.elf = elf
        self.base = address
        self.size = size
        self.file = fd
        keepOpen = true  // From here on `deinit` (which a failing init runs too) closes it.
        for section in debugSections.values {
            debugBuffers[section.name] = UnsafeRawBufferPointer(start: section.data, count: section.size)
        }
        self.symbols = symtab.0
        self.symbolCount = symtab.1
        var bases = [UInt64](repeating: 0, count: Int(min(sectionAddresses.keys.max() ?? 0, 0xffff)) + 1)
        for (index, address) in sectionAddresses where Int(index) < bases.count { bases[Int(index)] = address }
        self.sectionBases = bases

        // Relocate the small sections now; keep .debug_info's for later.
        var infoData: (UnsafeMutableRawPointer, Int)?
        for rela in relas {
            guard let target = debugSections[rela.target] else { continue }
            let set = RelocationSet(entries: rela.entries, count: rela.count, target: target.data, targetSize: target.size)
            switch target.name {
            case ".debug_info":
                info = set
                infoData = (target.data, target.size)
            case ".debug_line":
                line = set
            case ".debug_aranges", ".debug_rnglists", ".debug_addr", ".debug_str_offsets":
                guard apply(set, 0..<set.count) else { return nil }
            case ".debug_loclists", ".debug_loc":
                locationLists.append(set)
            default: continue  // .debug_frame: never read by ksymbolize
            }
        }
        // Every CU header (unit_length is never relocated; the abbrev offset is).
        // Read with pread, not through the mapping: a page read there first is
        // mapped read-only, and relocating it later swaps in a private copy,
        // which on a multi-threaded process costs a TLB flush on every other
        // CPU; a page first touched by the write is simply copied.
        if let (data, length) = infoData {
            var offset = 0
            while offset + 4 <= length {
                unitStarts.append(UInt64(offset))
                let (length32, length64) = peek(data + offset, min(12, length - offset))
                var unitLength = UInt64(length32)
                var headerEnd = offset + 4
                if unitLength == 0xffff_ffff {
                    guard offset + 12 <= length else { break }
                    unitLength = length64
                    headerEnd = offset + 12
                }
                guard unitLength > 0, headerEnd <= length, unitLength <= UInt64(length - headerEnd) else { break }
                offset = headerEnd + Int(unitLength)
            }
            unitStarts.append(UInt64(offset))
        }
        guard let dwarf = dwarf_begin_elf(elf, DWARF_C_READ, nil) else { return nil }
        self.dwarf = dwarf
    }

    /// Reads `count` (at most 12) bytes at `pointer` in the mapping from the
    /// file instead (see `init`); zeros where the file ends.
    private func peek(_ pointer: UnsafeRawPointer, _ count: Int) -> (UInt32, UInt64) {
        var bytes = [UInt8](repeating: 0, count: 12)
        _ = bytes.withUnsafeMutableBytes { pread(file, $0.baseAddress, min(count, 12), off_t(fileOffset(of: pointer))) }
        return bytes.withUnsafeBytes { ($0.loadUnaligned(as: UInt32.self), $0.loadUnaligned(fromByteOffset: 4, as: UInt64.self)) }
    }

    /// Relocates every unit's header, once: libdw reads them all to reach
    /// one, and keeps what it read (the abbreviation offsets, relocated).
    /// Our own reader reads only the units it relocates whole.
    func prepareForLibdw() {
        guard !headersRelocated else { return }
        headersRelocated = true
        guard let info, !everything else { return }
        for (start, end) in zip(unitStarts, unitStarts.dropFirst()) {
            _ = relocate(info, start..<min(start + 28, end))
        }
    }

    private var headersRelocated = false

    /// Relocates the unit whose header is at `unitOffset`, for our own reader.
    func relocate(unitAt unitOffset: Int) {
        relocateUnit(containing: UInt64(unitOffset))
    }

    /// Relocates the line program at `offset` of `.debug_line`, for our own reader.
    func relocate(lineProgramAt offset: Int) {
        relocateLines(at: offset)
    }

    /// Relocates the unit whose CU DIE libdw found at `dieOffset`, and its line program.
    func relocate(unitDieAt dieOffset: Dwarf_Off) {
        prepareForLibdw()
        relocateUnit(containing: dieOffset)
        relocateLines(ofUnitAt: dieOffset)
    }

    /// The offset of the CU DIE whose unit holds `address`, with that unit
    /// relocated; `nil` when `.debug_aranges` does not know the address.
    func unitDieOffset(containing address: UInt64) -> Dwarf_Off? {
        prepareForLibdw()
        var aranges: OpaquePointer?
        var count = 0
        guard dwarf_getaranges(dwarf, &aranges, &count) == 0, let aranges,
            let arange = dwarf_getarange_addr(aranges, address)
        else { return nil }
        var dieOffset: Dwarf_Off = 0
        guard dwarf_getarangeinfo(arange, nil, nil, &dieOffset) == 0 else { return nil }
        relocateUnit(containing: dieOffset)
        relocateLines(ofUnitAt: dieOffset)
        return dieOffset
    }

    /// Relocates the line program of the CU whose DIE is at `dieOffset`
    /// (`DW_AT_stmt_list` to the end of that program).
    private func relocateLines(ofUnitAt dieOffset: Dwarf_Off) {
        guard !everything, line != nil else { return }
        var die = Dwarf_Die()
        var attribute = Dwarf_Attribute()
        var start: Dwarf_Word = 0
        guard dwarf_offdie(dwarf, dieOffset, &die) != nil,
            dwarf_attr(&die, UInt32(DW_AT_stmt_list), &attribute) != nil, dwarf_formudata(&attribute, &start) == 0,
            let offset = Int(exactly: start)
        else { return }
        relocateLines(at: offset)
    }

    /// Relocates the line program at `offset` of `.debug_line`.
    private func relocateLines(at offset: Int) {
        guard !everything, let line, offset >= 0, offset < line.targetSize,
            relocatedLines.insert(UInt64(offset)).inserted
        else { return }
        let start = UInt64(offset)
        var end = line.targetSize
        if offset + 4 <= line.targetSize {
            let length = UInt64(peek(line.target + offset, 4).0)
            if length < 0xffff_fff0 { end = min(line.targetSize, offset + 4 + Int(length)) }
        }
        if !relocate(line, start..<UInt64(end)) { _ = apply(line, 0..<line.count) }
    }

    /// Relocates the location lists, once: read by libdw for the variables in scope at a PC.
    func relocateLocationLists() {
        guard !locationListsRelocated else { return }
        locationListsRelocated = true
        for set in locationLists { _ = apply(set, 0..<set.count) }
    }

    /// Relocates everything (for walks over all CUs).
    func relocateAll() {
        guard !everything, let info else { return }
        everything = true
        _ = apply(info, 0..<info.count)
        if let line { _ = apply(line, 0..<line.count) }
    }

    private func relocateUnit(containing offset: UInt64) {
        guard !everything else { return }
        let next = unitStarts.partitionPoint { $0 > offset }
        guard next > 0, next < unitStarts.count else { return }
        let start = unitStarts[next - 1]
        guard relocatedUnits.insert(start).inserted else { return }
        if let info, !relocate(info, start..<unitStarts[next]) { relocateAll() }
    }

    /// Applies the relocations of `set` inside `range`; `false` when the
    /// relocations turned out not to be sorted there.
    private func relocate(_ set: RelocationSet, _ range: Range<UInt64>) -> Bool {
        let entries = UnsafeBufferPointer(start: set.entries, count: set.count)
        let low = entries.partitionPoint { $0.r_offset >= range.lowerBound }
        var high = low
        while high < entries.count, entries[high].r_offset < range.upperBound {
            if high > low, entries[high].r_offset < entries[high - 1].r_offset { return false }
            high += 1
        }
        if low > 0, entries[low - 1].r_offset >= range.lowerBound { return false }
        return apply(set, low..<high)
    }

    /// `S + A` for each relocation in `indexes`; `false` on a type it does not know.
    private func apply(_ set: RelocationSet, _ indexes: Range<Int>) -> Bool {
        for index in indexes {
            let rela = set.entries[index]
            let type = UInt32(truncatingIfNeeded: rela.r_info)
            let width: Int
            switch type {
            case 0: continue  // R_X86_64_NONE
            case 1: width = 8  // R_X86_64_64
            case 10, 11: width = 4  // R_X86_64_32, R_X86_64_32S
            default: return false
            }
            let symbolIndex = Int(rela.r_info >> 32)
            guard symbolIndex < symbolCount, rela.r_offset <= UInt64(max(set.targetSize - width, 0)),
                set.targetSize >= width
            else { continue }
            let symbol = symbols[symbolIndex]
            if symbol.st_shndx == UInt16(SHN_UNDEF) { continue }  // as libdwfl: left for the linker
            let section = Int(symbol.st_shndx)
            let sectionBase = section < sectionBases.count ? sectionBases[section] : 0
            let value = sectionBase &+ symbol.st_value &+ UInt64(bitPattern: rela.r_addend)
            let place = set.target + Int(rela.r_offset)
            if width == 8 {
                place.storeBytes(of: value, toByteOffset: 0, as: UInt64.self)
            } else {
                place.storeBytes(of: UInt32(truncatingIfNeeded: value), toByteOffset: 0, as: UInt32.self)
            }
        }
        return true
    }
}
