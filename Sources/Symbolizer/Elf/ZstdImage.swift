internal import CLibdw

#if canImport(Glibc)
    import Glibc
#endif

/// A `.ko.zst` decompressed into memory. Debian 12's elfutils 0.188 has no
/// zstd support and fails silently on such files; ksymbolize decompresses
/// them with libzstd and hands libelf/libdwfl the image (`elf_memory`).
/// The buffer is malloc'd and writable (libdwfl relocates DWARF in place)
/// and lives as long as this object.
final class ZstdImage {
    let bytes: UnsafeMutableRawBufferPointer

    deinit { free(bytes.baseAddress) }

    /// Whether `path` names a zstd-compressed module.
    static func applies(to path: String) -> Bool { path.hasSuffix(".zst") }

    init(path: String) throws(SymbolizerError) {
        let compressed = try TextFile.readBytes(path)
        guard let context = ZSTD_createDCtx() else {
            throw .notELF(path: path, reason: "zstd: cannot create a decompression context")
        }
        defer { ZSTD_freeDCtx(context) }
        var capacity = max(compressed.count * 4, 1 << 16)
        guard var output = malloc(capacity) else { throw .notELF(path: path, reason: "out of memory") }
        var produced = 0
        let failure: String? = compressed.withUnsafeBytes { source in
            var input = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
            while true {
                if produced == capacity {
                    capacity *= 2
                    guard capacity <= 1 << 31, let grown = realloc(output, capacity) else { return "too large or out of memory" }
                    output = grown
                }
                var out = ZSTD_outBuffer(dst: output, size: capacity, pos: produced)
                let result = ZSTD_decompressStream(context, &out, &input)
                if ZSTD_isError(result) != 0 { return String(cString: ZSTD_getErrorName(result)) }
                produced = out.pos
                if result == 0 && input.pos == input.size { return nil }
                if input.pos == input.size && out.pos < out.size { return "truncated zstd data" }
            }
        }
        if let failure {
            free(output)
            throw .notELF(path: path, reason: "zstd: \(failure)")
        }
        bytes = UnsafeMutableRawBufferPointer(start: output, count: produced)
    }

    /// A libelf handle over the image; the caller ends it (or libdwfl does).
    func elf() -> OpaquePointer? {
        elf_memory(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
    }
}
