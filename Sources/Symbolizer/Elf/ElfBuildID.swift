internal import CLibdw

extension ElfReader {
    /// The GNU build id of an ELF file (compressed modules too), reading only
    /// its headers and notes: cheap enough to check every candidate file.
    static func buildID(path: String) -> String? {
        guard libelfReady else { return nil }
        return try? withElf(path: path) { elf in buildID(elf: elf) }
    }

    /// The GNU build id note's descriptor, as lower-case hex.
    static func buildID(elf: OpaquePointer) -> String? {
        var idPointer: UnsafeRawPointer?
        let length = dwelf_elf_gnu_build_id(elf, &idPointer)
        guard length > 0, let idPointer else { return nil }
        return UnsafeRawBufferPointer(start: idPointer, count: length).map { hexByte($0) }.joined()
    }
}
