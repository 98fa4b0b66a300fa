#if canImport(Glibc)
    import Glibc
#endif

/// `realpath(3)`: the absolute path with every symbolic link, `.` and `..`
/// resolved, or why there is none.
enum RealPath {
    enum Failure: Error, Sendable, Equatable {
        /// A component does not exist (`ENOENT`), or is not a directory (`ENOTDIR`).
        case missing
        /// Anything else (`EACCES`, `ELOOP`, …), with `strerror`'s text.
        case other(String)
    }

    static func resolve(_ path: String) -> Result<String, Failure> {
        guard let resolved = realpath(path, nil) else {
            return .failure(errno == ENOENT || errno == ENOTDIR ? .missing : .other(String(cString: strerror(errno))))
        }
        defer { free(resolved) }
        return .success(String(cString: resolved))
    }

    /// Whether `path` (followed if a link) is a regular file.
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}
