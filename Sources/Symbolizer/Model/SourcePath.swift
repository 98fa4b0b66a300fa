/// Normalises the file names DWARF gives: joins of a (possibly relative)
/// compilation directory and a file name, with `//`, `/./` and `dir/../`.
public enum SourcePath {
    /// Lexically normalises `path` and makes it relative to `compilationDirectory`
    /// when it lies below it (the kernel's build directory), so that
    /// `debian/build/build_amd64_none_amd64/./include/linux/list.h` reads
    /// `include/linux/list.h`.
    public static func normalize(_ path: String, compilationDirectory: String? = nil) -> String {
        var result = lexicallyNormalized(path)
        if let compilationDirectory, !compilationDirectory.isEmpty {
            let base = lexicallyNormalized(compilationDirectory)
            if base != "." && base != "/", result.hasPrefix(base + "/") {
                result = String(result.dropFirst(base.count + 1))
            }
        }
        return relativeToKernelTree(result)
    }

    /// `/build/reproducible-path/linux-6.1.176/arch/x86/entry/entry_64.S` →
    /// `arch/x86/entry/entry_64.S`: an absolute path inside a directory named
    /// like a kernel tree (`linux`, `linux-6.1.176`, `linux-source-6.1`,
    /// `linux-headers-…`) is made relative to that tree, the way kernel
    /// developers name files.
    static func relativeToKernelTree(_ path: String) -> String {
        guard path.hasPrefix("/"), ByteSearch.contains(path, "/linux") else { return path }
        let components = path.split(separator: "/")
        guard let tree = components.lastIndex(where: { $0 == "linux" || $0.hasPrefix("linux-") }),
            tree + 1 < components.count - 1
        else { return path }
        return components[(tree + 1)...].joined(separator: "/")
    }

    /// Removes empty and `.` components and resolves `..` where a preceding
    /// component exists.
    public static func lexicallyNormalized(_ path: String) -> String {
        if isLexicallyNormal(path) { return path }
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == "..", let last = parts.last, last != ".." {
                parts.removeLast()
                continue
            }
            if component == "..", absolute, parts.isEmpty { continue }
            parts.append(component)
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// Whether ``lexicallyNormalized(_:)`` would give `path` back: no empty,
    /// `.` or `..` component, no trailing `/` (most paths in DWARF; checked
    /// without splitting them).
    private static func isLexicallyNormal(_ path: String) -> Bool {
        guard !path.isEmpty else { return false }
        if path == "/" { return true }
        var length = 0  // bytes of the current component
        var onlyDots = true
        for (index, byte) in path.utf8.enumerated() {
            guard byte == UInt8(ascii: "/") else {
                length += 1
                if byte != UInt8(ascii: ".") { onlyDots = false }
                continue
            }
            if index == 0 { continue }  // an absolute path's leading "/"
            if length == 0 || (onlyDots && length <= 2) { return false }  // "//", "." or ".."
            length = 0
            onlyDots = true
        }
        return length > 0 && !(onlyDots && length <= 2)
    }
}
