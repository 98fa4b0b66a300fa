#if canImport(Glibc)
    import Glibc
#endif

/// Cheap looks at a path, before anything is read from it.
public enum FileProbe {
    /// Whether `path` is an ELF file (by its magic bytes) of type ET_EXEC or
    /// ET_DYN: a vmlinux, as `decode_stacktrace.sh VMLINUX` users pass it.
    public static func isKernelImage(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 18)
        let count = header.withUnsafeMutableBytes { read(fd, $0.baseAddress, 18) }
        guard count == 18, header[0] == 0x7f, header[1] == 0x45, header[2] == 0x4c, header[3] == 0x46 else { return false }
        let type = header[5] == 2 ? UInt16(header[16]) << 8 | UInt16(header[17]) : UInt16(header[17]) << 8 | UInt16(header[16])
        return type == 2 || type == 3
    }

    public static func isDirectory(path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
