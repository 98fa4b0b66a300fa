internal import CLibdw

#if canImport(Glibc)
    import Glibc
#endif

extension ElfReader {
    /// The GNU build id of an ELF file (compressed modules too), reading only
    /// its headers and notes: cheap enough to check every candidate file.
    static func buildID(path: String) -> String? {
        guard libelfReady else { return nil }
        if ZstdImage.applies(to: path) {
            guard let image = try? ZstdImage(path: path), let elf = image.elf() else { return nil }
            defer { elf_end(elf) }
            return buildID(elf: elf)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let elf = dwelf_elf_begin(fd) else { return nil }
        defer { elf_end(elf) }
        return buildID(elf: elf)
    }

    private static func buildID(elf: OpaquePointer) -> String? {
        var idPointer: UnsafeRawPointer?
        let length = dwelf_elf_gnu_build_id(elf, &idPointer)
        guard length > 0, let idPointer else { return nil }
        return UnsafeRawBufferPointer(start: idPointer, count: length).map { hexByte($0) }.joined()
    }
}
