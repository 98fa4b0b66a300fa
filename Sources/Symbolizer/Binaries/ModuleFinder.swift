#if canImport(Glibc)
    import Glibc
#endif

/// Finds module binaries by name below the `--modules` paths.
///
/// Policy: every path is searched recursively once, on first use; files
/// named `NAME.ko` (also `.ko.xz`, `.ko.gz`, `.ko.zst`, `.ko.debug`) are
/// indexed by canonical name (`-` = `_`). A name is only ever looked up in
/// that index, so a module name from a log never becomes a path. When a name
/// has several files, they are all candidates, in this order: the paths as
/// given, and within a path `.ko`, then `.ko.debug`, then compressed; the
/// symbolizer takes the first one that has DWARF (a stripped module in one
/// directory, its debug copy in another), else the first readable one.
public final class ModuleFinder {
    private let roots: [String]
    private var index: [String: [String]]?

    public init(paths: [String]) {
        roots = paths
    }

    /// The first candidate file for module `name`, or `nil`.
    public func file(for name: String) -> String? { files(for: name).first }

    /// Every candidate file for module `name`, best first.
    public func files(for name: String) -> [String] {
        guard ModuleName.isValid(name) else { return [] }
        if index == nil { index = buildIndex() }
        return index?[ModuleName.canonical(name)] ?? []
    }

    private func buildIndex() -> [String: [String]] {
        var found: [String: [(path: String, rank: Int, root: Int)]] = [:]
        for (rootNumber, root) in roots.enumerated() {
            walk(root, depth: 0) { path, fileName in
                guard let name = ModuleName.ofFile(fileName) else { return }
                let rank = fileName.hasSuffix(".ko") ? 0 : (fileName.hasSuffix(".ko.debug") ? 1 : 2)
                found[name, default: []].append((path, rank, rootNumber))
            }
        }
        return found.mapValues { candidates in
            candidates.sorted { ($0.root, $0.rank, $0.path) < ($1.root, $1.rank, $1.path) }.map(\.path)
        }
    }

    private func walk(_ path: String, depth: Int, _ visit: (String, String) -> Void) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) != S_IFDIR {
            visit(path, String(path.split(separator: "/").last ?? ""))
            return
        }
        guard depth < 16, let entries = DirectoryListing.entries(of: path) else { return }
        for name in entries {
            walk(path == "/" ? "/" + name : path + "/" + name, depth: depth + 1, visit)
        }
    }
}
