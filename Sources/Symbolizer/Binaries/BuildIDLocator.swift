#if canImport(Glibc)
    import Glibc
#endif

/// Finds a binary by its build id: first in `.build-id` trees
/// (`ROOT/.build-id/xx/yyyy.debug`, then `ROOT/.build-id/xx/yyyy`, the layout
/// of `/usr/lib/debug` and of distribution debug packages), then on
/// debuginfod servers. The debuginfod client is opened on first need only.
final class BuildIDLocator {
    /// Roots holding a `.build-id` directory.
    let roots: [String]
    private let debuginfodURLs: String?
    private let debuginfodEnabled: Bool
    private var client: Result<DebuginfodClient, DebuginfodUnavailable>?
    private var found: [String: Result<String, SymbolizerError>] = [:]

    init(roots: [String], debuginfodURLs: String?, debuginfodEnabled: Bool) {
        self.roots = roots
        self.debuginfodURLs = debuginfodURLs
        self.debuginfodEnabled = debuginfodEnabled
    }

    /// The path of a file with that build id, preferring one with DWARF.
    func locate(buildID: String) -> Result<String, SymbolizerError> {
        let id = buildID.lowercased()
        if let cached = found[id] { return cached }
        let result = search(id)
        found[id] = result
        return result
    }

    /// Whether `text` is hex digits only (on the bytes: asked for every binary of every request).
    private static func isHex(_ text: String) -> Bool {
        text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) }
    }

    /// Where a build-id tree keeps the file: `ROOT/.build-id/xx/yyyy[.debug]`.
    static func treePaths(root: String, buildID id: String) -> [String] {
        guard id.utf8.count > 2, isHex(id) else { return [] }
        let base = "\(root)/.build-id/\(id.prefix(2))/\(id.dropFirst(2))"
        return [base + ".debug", base]
    }

    private func search(_ id: String) -> Result<String, SymbolizerError> {
        guard id.utf8.count >= 8, id.utf8.count <= 128, Self.isHex(id) else {
            return .failure(.buildIDNotFound(id: id, tried: "nothing: not a build id"))
        }
        var tried: [String] = []
        let wanted = ExpectedBuildID(id: id, source: "")
        for root in roots {
            for path in Self.treePaths(root: root, buildID: id)
            where access(path, R_OK) == 0 && wanted.matches(ElfReader.buildID(path: path)) {
                return .success(path)
            }
            tried.append("\(root)/.build-id")
        }
        guard debuginfodEnabled else {
            return .failure(.buildIDNotFound(id: id, tried: tried.joined(separator: ", ")))
        }
        if client == nil {
            do throws(DebuginfodUnavailable) {
                client = .success(try DebuginfodClient(urls: debuginfodURLs))
            } catch {
                client = .failure(error)
            }
        }
        switch client! {
        case .failure(let why):
            tried.append(why.message)
        case .success(let client):
            switch client.find(buildID: id, kind: .debuginfo) {
            case .success(let path): return .success(path)
            case .failure(let debuginfoMiss):
                if case .success(let path) = client.find(buildID: id, kind: .executable) { return .success(path) }
                tried.append(debuginfoMiss.message)
            }
        }
        return .failure(.buildIDNotFound(id: id, tried: tried.joined(separator: ", ")))
    }
}
