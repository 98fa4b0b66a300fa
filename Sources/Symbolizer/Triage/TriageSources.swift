/// What triage reads besides the log: the kernel's `MAINTAINERS` (with its
/// `.mailmap`) and a kernel source tree (`--maintainers FILE`,
/// `--kernel-source DIR`). Both are optional; without them a verdict still
/// has its guilty file, and frames have no source lines.
public struct TriageSources: Sendable {
    /// The tree the crashed kernel was built from, for source lines (and,
    /// when no other file is given, its `MAINTAINERS`).
    public var kernelSource: KernelSourceTree?
    /// The `MAINTAINERS` file parsed; `nil`: maintainers are not looked up.
    public var maintainers: MaintainersFile?
    /// The `.mailmap` next to `MAINTAINERS` (empty when there is none).
    public var mailmap = Mailmap()
    /// Lines of context around the crash site's source line.
    public var crashSiteContext = 2

    /// No MAINTAINERS and no source tree.
    public init() {}

    /// Reads what the options name. A `MAINTAINERS` line that does not parse
    /// is one warning with its line number; the rest of the file is used.
    ///
    /// - Parameters:
    ///   - maintainersPath: a `MAINTAINERS` file; its directory's `.mailmap`
    ///     is read too when there is one.
    ///   - kernelSourcePath: a kernel tree; its `MAINTAINERS` is used when
    ///     `maintainersPath` is `nil`.
    ///   - warn: what the user should know (problems of the file).
    public init(maintainersPath: String?, kernelSourcePath: String?, warn: (String) -> Void) throws(TriageSourceError) {
        if let kernelSourcePath {
            do {
                kernelSource = try KernelSourceTree(root: kernelSourcePath)
            } catch {
                throw .kernelSource(error)
            }
        }
        if let maintainersPath {
            let text: String
            do {
                text = try TextFile.read(maintainersPath)
            } catch {
                throw .maintainersUnreadable(maintainersPath, reason: error.description)
            }
            let tree = kernelSource
            maintainers = MaintainersFile(text: text) { pattern in
                guard let tree, !pattern.hasPrefix("/") else { return false }
                return FileProbe.isDirectory(path: tree.root + "/" + pattern)
            }
            let directory = maintainersPath.contains("/") ? String(maintainersPath[..<maintainersPath.lastIndex(of: "/")!]) : "."
            if let mailmapText = try? TextFile.read(directory + "/.mailmap") { mailmap = Mailmap(text: mailmapText) }
        } else if let tree = kernelSource {
            do {
                maintainers = try tree.maintainersFile()
            } catch .noSuchFile {
                warn("kernel source \(tree.root) has no MAINTAINERS: maintainers are not looked up")
            } catch {
                throw .kernelSource(error)
            }
            mailmap = tree.mailmap()
        }
        if let problems = maintainers?.problems, let first = problems.first {
            let more = problems.count > 1 ? " (and \(problems.count - 1) more such line\(problems.count == 2 ? "" : "s"))" : ""
            warn("\(first.description)\(more); the rest of the file is used")
        }
    }

    /// The people and lists for a tree-relative `path`, as
    /// `get_maintainer.pl --no-git --no-rolestats -f` gives them; `nil`
    /// without a `MAINTAINERS`.
    public func maintainers(of path: String) -> MaintainersAnswer? {
        guard let file = maintainers else { return nil }
        let match: MaintainersMatch
        if let tree = kernelSource, let found = try? tree.maintainers(for: path, in: file) {
            match = found
        } else {
            match = file.match(path: path)
        }
        return MaintainersAnswer(match: match, mailmap: mailmap)
    }
}

/// Who a file goes to: get_maintainer.pl's lines and the subsystems they come from.
public struct MaintainersAnswer: Sendable {
    /// What `get_maintainer.pl --no-git --no-rolestats -f FILE` prints:
    /// people (`Name <address>`), then lists.
    public var lines: [String]
    /// The matching subsystems, deepest first (`THE REST` last).
    public var subsystems: [Subsystem]

    public init(match: MaintainersMatch, mailmap: Mailmap) {
        lines = match.getMaintainerLines(mailmap: mailmap)
        subsystems = match.subsystems
    }
}

/// Why a triage source cannot be used; the run stops before reading the log.
public enum TriageSourceError: Error, Sendable, CustomStringConvertible {
    case kernelSource(SourceTreeError)
    case maintainersUnreadable(String, reason: String)

    public var description: String {
        switch self {
        case .kernelSource(let error): return error.description
        case .maintainersUnreadable(let path, let reason):
            return "cannot read MAINTAINERS file \(path): \(reason); give the kernel's MAINTAINERS (--maintainers) or a kernel tree (--kernel-source)"
        }
    }
}
