/// A kernel source tree on disk (`--kernel-source DIR`), read safely: a file
/// is opened only when its real path (every symbolic link resolved, by
/// `realpath(3)`) lies inside the tree's real root. An absolute path (one
/// that ``KernelPath`` cannot make tree-relative), a path with a `..`
/// component and a symbolic link that leaves the tree are refused before
/// anything is opened.
public struct KernelSourceTree: Sendable {
    /// The tree's real path.
    public let root: String

    /// - Throws: ``SourceTreeError/badRoot(_:reason:)`` when `root` is not a directory.
    public init(root: String) throws(SourceTreeError) {
        switch RealPath.resolve(root) {
        case .success(let real) where FileProbe.isDirectory(path: real): self.root = real
        case .success: throw .badRoot(root, reason: "not a directory")
        case .failure(.missing): throw .badRoot(root, reason: "no such directory")
        case .failure(.other(let reason)): throw .badRoot(root, reason: reason)
        }
    }

    /// Where `path` (as in ``SourceLocation/file``: tree-relative, or with a
    /// build-directory or tree prefix) really is, inside the tree.
    ///
    /// - Returns: the tree-relative path and the real path.
    public func resolve(_ path: String) throws(SourceTreeError) -> (relative: String, real: String) {
        guard !path.isEmpty else { throw .noSuchFile(path) }
        if path.split(separator: "/").contains("..") { throw .outsideTree(path, reason: "it has a '..' component") }
        let relative = KernelPath.normalize(path)
        if relative.hasPrefix("/") { throw .outsideTree(path, reason: "it is an absolute path outside a kernel tree") }
        let joined = relative == "." ? root : root + "/" + relative
        switch RealPath.resolve(joined) {
        case .success(let real):
            guard real == root || real.hasPrefix(root == "/" ? "/" : root + "/") else {
                throw .outsideTree(path, reason: "a symbolic link leads to \(real)")
            }
            return (relative, real)
        case .failure(.missing): throw .noSuchFile(path)
        case .failure(.other(let reason)): throw .unreadable(path, reason: reason)
        }
    }

    /// The bytes of the regular file `path` (see ``resolve(_:)``).
    public func contents(of path: String) throws(SourceTreeError) -> [UInt8] {
        let (_, real) = try resolve(path)
        guard RealPath.isRegularFile(real) else { throw .notAFile(path) }
        do {
            return try TextFile.readBytes(real)
        } catch {
            throw .unreadable(path, reason: error.description)
        }
    }

    /// Line `line` of `file` with up to `context` lines before and after it.
    public func snippet(file: String, line: Int, context: Int = 3) throws(SourceTreeError) -> SourceSnippet {
        let (relative, lines) = try lines(of: file)
        return try SourceSnippet(file: relative, line: line, context: context, of: lines)
    }

    /// The lines of `file` without their newlines (invalid UTF-8 replaced),
    /// and its tree-relative path.
    public func lines(of file: String) throws(SourceTreeError) -> (relative: String, lines: [String]) {
        let (relative, _) = try resolve(file)
        let bytes = try contents(of: file)
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
        if bytes.isEmpty || bytes.last == 10 { lines.removeLast() }  // a newline ends a line; it starts none
        let text = lines.map { slice in
            var text = String(decoding: slice, as: UTF8.self)
            if text.hasSuffix("\r") { text.removeLast() }
            return text
        }
        return (relative, text)
    }
}

/// Lines of a source file around one line.
public struct SourceSnippet: Sendable, Hashable {
    /// The file, tree-relative.
    public var file: String
    /// The line asked for (1-based).
    public var line: Int
    /// The number of ``lines``' first line (1-based).
    public var firstLine: Int
    /// The lines, without their newlines (invalid UTF-8 replaced).
    public var lines: [String]

    public init(file: String, line: Int, firstLine: Int, lines: [String]) {
        self.file = file
        self.line = line
        self.firstLine = firstLine
        self.lines = lines
    }

    /// Line `line` of a file's `lines` with up to `context` lines around it.
    ///
    /// - Throws: ``SourceTreeError/lineOutOfRange(_:line:lines:)`` when the file has no such line.
    public init(file: String, line: Int, context: Int, of lines: [String]) throws(SourceTreeError) {
        guard line >= 1, line <= lines.count else { throw .lineOutOfRange(file, line: line, lines: lines.count) }
        let first = max(1, line - max(0, context))
        let last = min(lines.count, line + max(0, context))
        self.init(file: file, line: line, firstLine: first, lines: Array(lines[(first - 1)..<last]))
    }

    /// Each line with its number, the asked-for one marked: `  12 | text`, `> 13 | text`.
    public var numbered: [String] {
        let width = String(firstLine + lines.count - 1).count
        return lines.enumerated().map { offset, text in
            let number = String(firstLine + offset)
            let marker = firstLine + offset == line ? ">" : " "
            return marker + " " + String(repeating: " ", count: width - number.count) + number + " | " + text
        }
    }
}

/// Why a source file or line could not be had from a kernel tree.
public enum SourceTreeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The tree's root is not a directory that can be read.
    case badRoot(String, reason: String)
    /// The path leads outside the tree: refused, never opened.
    case outsideTree(String, reason: String)
    /// No such file (or directory) in the tree.
    case noSuchFile(String)
    /// The path is a directory or a device, not a file.
    case notAFile(String)
    /// The file has fewer lines than the one asked for (or the line is not positive).
    case lineOutOfRange(String, line: Int, lines: Int)
    /// The file exists but cannot be read.
    case unreadable(String, reason: String)

    public var description: String {
        switch self {
        case .badRoot(let root, let reason):
            return "kernel source \(root): \(reason); give the top directory of a kernel tree"
        case .outsideTree(let path, let reason):
            return "\(path) is not inside the kernel source tree (\(reason)); it is not read"
        case .noSuchFile(let path):
            return "\(path) is not in the kernel source tree; is it the tree the kernel was built from?"
        case .notAFile(let path): return "\(path) is not a regular file in the kernel source tree"
        case .lineOutOfRange(let path, let line, let lines):
            return
                "\(path) has \(lines) lines, no line \(line): the tree is probably not the one the kernel was built from"
        case .unreadable(let path, let reason): return "\(path) cannot be read: \(reason)"
        }
    }
}
