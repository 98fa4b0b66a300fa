/// A frame's source line(s) from the kernel tree, or why there are none.
public enum SourceExcerpt: Sendable, Hashable {
    /// The line (and its context) as the tree has it.
    case lines(SourceSnippet)
    /// The tree was asked and has no such file or line, or refused the path.
    case unavailable(file: String, line: Int, reason: SourceTreeError)
}

/// Reads source lines for frames from one kernel tree, each file once per run.
struct SourceExcerpts {
    let tree: KernelSourceTree
    private var files: [String: Result<(relative: String, lines: [String]), SourceTreeError>] = [:]

    init(tree: KernelSourceTree) { self.tree = tree }

    /// Line `line` of `file` with `context` lines around it.
    mutating func excerpt(file: String, line: Int, context: Int) -> SourceExcerpt {
        let loaded: Result<(relative: String, lines: [String]), SourceTreeError>
        if let cached = files[file] {
            loaded = cached
        } else {
            loaded = Result { () throws(SourceTreeError) in try tree.lines(of: file) }
            files[file] = loaded
        }
        switch loaded {
        case .failure(let reason): return .unavailable(file: file, line: line, reason: reason)
        case .success(let (relative, lines)):
            do {
                return .lines(try SourceSnippet(file: relative, line: line, context: context, of: lines))
            } catch {
                return .unavailable(file: file, line: line, reason: error)
            }
        }
    }
}
