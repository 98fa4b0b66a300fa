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
        return result
    }

    /// Removes empty and `.` components and resolves `..` where a preceding
    /// component exists.
    public static func lexicallyNormalized(_ path: String) -> String {
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
}
