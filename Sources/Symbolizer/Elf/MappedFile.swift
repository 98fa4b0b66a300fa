internal import CLibdw

#if canImport(Glibc)
    import Glibc
#endif

/// A whole file mapped read-only, shared by every libelf/libdwfl handle
/// that reads it: the libdwfl sessions of all threads (so a page of DWARF
/// is resident once, not once per session) and the symbol table.
///
/// Only for files libelf reads in place: an uncompressed ELF file in the
/// host's byte order that nothing relocates (vmlinux, `ET_EXEC` or `ET_DYN`). The pages
/// are never written, so ``forget()`` can drop them at any time: a later
/// read maps them again from the page cache.
final class MappedFile: @unchecked Sendable {
    let base: UnsafeRawPointer
    let size: Int

    private init(base: UnsafeRawPointer, size: Int) {
        self.base = base
        self.size = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    /// Maps `path` when it is an uncompressed kernel image (ELF `ET_EXEC`/`ET_DYN`) in the
    /// host's byte order; `nil` otherwise (the caller opens it as before).
    static func kernelImage(path: String) -> MappedFile? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= 64 else { return nil }
        let size = Int(info.st_size)
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else { return nil }
        let file = MappedFile(base: UnsafeRawPointer(address), size: size)
        let header = UnsafeRawBufferPointer(start: file.base, count: 64)
        let hostData: UInt8 = 1.littleEndian == 1 ? 1 : 2  // ELFDATA2LSB / ELFDATA2MSB
        guard header[0] == 0x7f, header[1] == UInt8(ascii: "E"), header[2] == UInt8(ascii: "L"),
            header[3] == UInt8(ascii: "F"), header[5] == hostData
        else { return nil }
        let type = UInt16(header[16]) | UInt16(header[17]) << 8
        let hostType = hostData == 1 ? type : type.byteSwapped
        guard hostType == UInt16(ET_EXEC) || hostType == UInt16(ET_DYN) else { return nil }
        return file
    }

    /// A libelf handle over the mapping; the caller (or libdwfl) ends it.
    func elf() -> OpaquePointer? {
        elf_memory(UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: CChar.self)), size)
    }

    /// Drops the resident pages: they are the file's, unchanged, and come
    /// back from the page cache when read again.
    func forget() {
        _ = madvise(UnsafeMutableRawPointer(mutating: base), size, MADV_DONTNEED)
    }

    /// ``forget()`` for the pages of `offset..<offset + length` only.
    func forget(offset: Int, length: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset / page * page
        let end = min(size, offset + length)
        guard start < end else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// The file offset and size of section `name`, if the file has it.
    func section(named name: String) -> (offset: Int, size: Int)? {
        guard let elf = elf() else { return nil }
        defer { elf_end(elf) }
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { return nil }
        var scn = elf_nextscn(elf, nil)
        while let current = scn {
            var shdr = GElf_Shdr()
            if gelf_getshdr(current, &shdr) != nil, let text = elf_strptr(elf, shstrndx, Int(shdr.sh_name)),
                String(cString: text) == name, shdr.sh_type != UInt32(SHT_NOBITS)
            {
                return (Int(shdr.sh_offset), Int(shdr.sh_size))
            }
            scn = elf_nextscn(elf, current)
        }
        return nil
    }
}
