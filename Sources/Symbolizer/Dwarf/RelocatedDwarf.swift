internal import CLibdw
import ArchFixups

#if canImport(Glibc)
    import Glibc
#endif

/// A module's DWARF opened with libdw directly, after ksymbolize applied the
/// debug sections' relocations itself: for machines libdwfl cannot relocate
/// (no backend in elfutils 0.188, e.g. MIPS). Only plain `S + A` data
/// relocations are applied (see `ArchFixup.absoluteRelocationWidth`); that is
/// all DWARF sections of an object use.
final class RelocatedDwarf {
    let dwarf: OpaquePointer
    private let elf: OpaquePointer
    private let image: UnsafeMutableRawPointer

    deinit {
        dwarf_end(dwarf)
        elf_end(elf)
        free(image)
    }

    /// - Parameters:
    ///   - sectionAddresses: the session address of each allocated section by index.
    init(
        path: String, contents: ElfContents, sectionAddresses: [UInt32: UInt64], fixup: any ArchFixup
    ) throws(SymbolizerError) {
        let bytes = try TextFile.readBytes(path)
        guard let buffer = malloc(max(bytes.count, 1)) else {
            throw .cannotOpen(path: path, reason: "out of memory")
        }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        guard let elf = elf_memory(buffer.assumingMemoryBound(to: CChar.self), bytes.count) else {
            free(buffer)
            throw .notELF(path: path, reason: LibraryErrors.elf)
        }
        Self.applyRelocations(elf: elf, contents: contents, sectionAddresses: sectionAddresses, fixup: fixup)
        guard let dwarf = dwarf_begin_elf(elf, DWARF_C_READ, nil) else {
            let message = LibraryErrors.dwarf
            elf_end(elf)
            free(buffer)
            throw .libdwfl(function: "dwarf_begin_elf", path: path, message: message)
        }
        self.elf = elf
        self.image = buffer
        self.dwarf = dwarf
    }

    private static func applyRelocations(
        elf: OpaquePointer, contents: ElfContents, sectionAddresses: [UInt32: UInt64], fixup: any ArchFixup
    ) {
        let bigEndian = !contents.littleEndian
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            defer { scn = elf_nextscn(elf, current) }
            var shdr = GElf_Shdr()
            guard gelf_getshdr(current, &shdr) != nil,
                shdr.sh_type == UInt32(SHT_REL) || shdr.sh_type == UInt32(SHT_RELA),
                let target = contents.section(at: shdr.sh_info), target.name.hasPrefix(".debug"), !target.isAllocated,
                let targetScn = elf_getscn(elf, Int(shdr.sh_info)), let targetData = elf_getdata(targetScn, nil),
                let targetBytes = targetData.pointee.d_buf, let relocations = elf_getdata(current, nil),
                shdr.sh_entsize > 0
            else { continue }
            let targetSize = targetData.pointee.d_size
            let isRela = shdr.sh_type == UInt32(SHT_RELA)
            for i in 0..<Int(min(shdr.sh_size, UInt64(relocations.pointee.d_size)) / shdr.sh_entsize) {
                var offset: UInt64 = 0
                var info: UInt64 = 0
                var addend: Int64?
                if isRela {
                    var rela = GElf_Rela()
                    guard gelf_getrela(relocations, Int32(i), &rela) != nil else { continue }
                    (offset, info, addend) = (rela.r_offset, rela.r_info, rela.r_addend)
                } else {
                    var rel = GElf_Rel()
                    guard gelf_getrel(relocations, Int32(i), &rel) != nil else { continue }
                    (offset, info) = (rel.r_offset, rel.r_info)
                }
                guard let (symbolIndex, type) = fixup.relocationSymbolAndType(info: info, littleEndian: contents.littleEndian),
                    let width = fixup.absoluteRelocationWidth(type: type),
                    symbolIndex < contents.symbolTable.count, targetSize >= width, offset <= UInt64(targetSize - width)
                else { continue }
                let symbol = contents.symbolTable.unnamedSymbol(at: symbolIndex)
                let base = sectionAddresses[symbol.sectionIndex] ?? 0
                let place = targetBytes.advanced(by: Int(offset))
                let implicit = read(place, width: width, bigEndian: bigEndian)
                let value = base &+ symbol.value &+ UInt64(bitPattern: addend ?? Int64(bitPattern: implicit))
                write(value, to: place, width: width, bigEndian: bigEndian)
            }
        }
    }

    private static func read(_ place: UnsafeMutableRawPointer, width: Int, bigEndian: Bool) -> UInt64 {
        var value: UInt64 = 0
        for byte in 0..<width {
            let shift = bigEndian ? UInt64(width - 1 - byte) * 8 : UInt64(byte) * 8
            value |= UInt64(place.load(fromByteOffset: byte, as: UInt8.self)) << shift
        }
        return value
    }

    private static func write(_ value: UInt64, to place: UnsafeMutableRawPointer, width: Int, bigEndian: Bool) {
        for byte in 0..<width {
            let shift = bigEndian ? UInt64(width - 1 - byte) * 8 : UInt64(byte) * 8
            place.storeBytes(of: UInt8(truncatingIfNeeded: value >> shift), toByteOffset: byte, as: UInt8.self)
        }
    }
}
