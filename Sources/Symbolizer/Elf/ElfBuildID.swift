internal import CLibdw
import Synchronization

extension ElfReader {
    /// The GNU build id of an ELF file (compressed modules too), reading only
    /// its headers and notes: cheap enough to check every candidate file.
    ///
    /// Remembered by the file's identity for the life of the process: a
    /// file is asked again for each candidate check, each cache key, and
    /// each request of a service (a compressed module is decompressed to
    /// answer).
    static func buildID(path: String) -> String? {
        guard libelfReady else { return nil }
        guard let identity = FileIdentity(path: path) else { return nil }
        if let known = knownBuildIDs.withLock({ $0[identity] }) { return known }
        let id = try? withElf(path: path) { elf in buildID(elf: elf) }
        knownBuildIDs.withLock { known in
            if known.count >= 4096 { known.removeAll() }
            known[identity] = .some(id)
        }
        return id
    }

    /// Build ids read so far (`nil` inside: the file has none).
    private static let knownBuildIDs = Mutex<[FileIdentity: String?]>([:])

    /// The GNU build id note's descriptor, as lower-case hex.
    static func buildID(elf: OpaquePointer) -> String? {
        var idPointer: UnsafeRawPointer?
        let length = dwelf_elf_gnu_build_id(elf, &idPointer)
        guard length > 0, let idPointer else { return nil }
        return hexBytes(UnsafeRawBufferPointer(start: idPointer, count: length))
    }
}
