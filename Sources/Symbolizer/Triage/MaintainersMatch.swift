/// An `F:` or `X:` pattern as get_maintainer.pl matches it: `.` made
/// literal, `*` any characters (`/` included), `?` one character; `[ch]` and
/// other regular-expression syntax kept; a pattern naming a directory of
/// the tree gets a trailing `/`. A pattern ending in `/` matches everything
/// below it; any other must match the path from its start *and* have as
/// many `/` as it (`drivers/net/*` matches the files of `drivers/net`, not
/// those below it).
struct FilePattern: Sendable {
    enum Kind: Sendable { case directory, file, fileOrDirectory }

    /// The pattern as a regular expression (`drivers/net/.*\.c`).
    let converted: String
    let kind: Kind
    /// get_maintainer.pl's "pattern depth": `/`s, plus one when the pattern
    /// does not end in `/`; -1 for a pattern starting with `*`. Deeper wins.
    let depth: Int
    private let regex: PerlRegex
    private let directoryRegex: PerlRegex?
    private let slashes: Int
    /// What every matching path starts with (the pattern up to its first wildcard).
    private let prefix: [UInt8]

    init(_ value: String, isDirectory: ((String) -> Bool)?) throws(PerlRegex.PatternError) {
        var converted = value.replacingAll(".", with: "\\.").replacingAll("*", with: ".*").replacingAll("?", with: ".")
        var kind = Kind.file
        if converted.hasSuffix("/") {
            kind = .directory
        } else if let isDirectory {
            if isDirectory(converted) {
                converted += "/"
                kind = .directory
            }
        } else {
            kind = .fileOrDirectory
        }
        self.converted = converted
        self.kind = kind
        slashes = converted.utf8.count { $0 == UInt8(ascii: "/") }
        depth = converted.hasPrefix(".*") ? -1 : slashes + (converted.hasSuffix("/") ? 0 : 1)
        prefix = Self.literalPrefix(converted)
        regex = try PerlRegex("^" + converted)
        directoryRegex = kind == .fileOrDirectory ? try PerlRegex("^" + converted + "/") : nil
    }

    /// Whether the path (its bytes, and how many `/` it has) matches.
    func matches(_ path: [UInt8], slashes pathSlashes: Int) -> Bool {
        guard path.starts(with: prefix) else { return false }
        switch kind {
        case .directory: return regex.matches(path)
        case .file: return pathSlashes == slashes && regex.matches(path)
        case .fileOrDirectory:
            return (pathSlashes == slashes && regex.matches(path)) || directoryRegex!.matches(path)
        }
    }

    /// The literal bytes a converted pattern starts with: up to its first
    /// `.`, `*`, `?`, `+`, `[`, `(`, `{`, `|`, `^`, `$`, or `\` before a
    /// letter or digit; without the last one when a quantifier follows it.
    static func literalPrefix(_ converted: String) -> [UInt8] {
        let bytes = Array(converted.utf8)
        var prefix: [UInt8] = []
        var index = 0
        while index < bytes.count {
            var byte = bytes[index]
            var next = index + 1
            if byte == UInt8(ascii: "\\") {
                guard next < bytes.count, !PerlRegex.Parser.word.contains(bytes[next]) else { break }
                byte = bytes[next]
                next += 1
            } else if ".*?+[({|^$)".utf8.contains(byte) {
                break
            }
            if next < bytes.count, "*?{+".utf8.contains(bytes[next]) { break }
            prefix.append(byte)
            index = next
        }
        return prefix
    }
}

/// The subsystems `MAINTAINERS` gives for one file, in get_maintainer.pl's order.
public struct MaintainersMatch: Sendable {
    /// Why a subsystem matched.
    public enum Reason: Sendable, Hashable {
        /// An `F:` pattern (the section's last matching `F:` or `N:` line
        /// decides), with get_maintainer.pl's depth: deeper patterns first.
        case file(pattern: String, depth: Int)
        /// An `N:` regular expression on the path (depth 0).
        case name(pattern: String)
        /// A `K:` regular expression found in the file's contents.
        case keyword(pattern: String)

        /// The sort key of `F:` and `N:` matches (`nil` for keywords, which come last).
        public var depth: Int? {
            switch self {
            case .file(_, let depth): return depth
            case .name: return 0
            case .keyword: return nil
            }
        }
    }

    /// One matching subsystem.
    public struct Entry: Sendable {
        public var subsystem: Subsystem
        public var reason: Reason
    }

    /// The path asked about, tree-relative (`/` added for a directory).
    public var path: String
    /// `F:`/`N:` matches, deepest first (get_maintainer.pl orders equal
    /// depths by Perl's hash order, which changes from run to run; here they
    /// keep `MAINTAINERS` order), then the `K:` matches in get_maintainer.pl's
    /// order (by the `K:` line's index compared as text).
    public var entries: [Entry]
    /// Addresses written in the file itself (get_maintainer.pl reads them
    /// from `.yaml` files: device-tree bindings' `maintainers:`).
    public var fileEmails: [String]

    /// The subsystems, in ``entries`` order, each once.
    public var subsystems: [Subsystem] {
        var seen = Set<Int>()
        return entries.map(\.subsystem).filter { seen.insert($0.line).inserted }
    }
}

extension MaintainersFile {
    /// The subsystems for `path` (tree-relative; a directory ends in `/`), as
    /// `get_maintainer.pl -f` finds them.
    ///
    /// - Parameters:
    ///   - contents: the file's bytes, for `K:` keywords and a `.yaml`
    ///     file's addresses; `nil` for a directory or when the file cannot be
    ///     read (get_maintainer.pl then skips both too).
    public func match(path: String, contents: [UInt8]? = nil) -> MaintainersMatch {
        let bytes = Array(path.utf8)
        let slashes = bytes.count { $0 == UInt8(ascii: "/") }
        var entries: [(entry: MaintainersMatch.Entry, depth: Int, order: Int)] = []
        for (order, subsystem) in subsystems.enumerated() {
            let excluded = subsystem.patterns.contains {
                if case .exclude(let pattern) = $0.pattern { return pattern.matches(bytes, slashes: slashes) }
                return false
            }
            if excluded { continue }
            // In line order, the last matching F: or N: line sets the depth.
            var reason: MaintainersMatch.Reason?
            for (field, pattern) in subsystem.patterns {
                switch pattern {
                case .file(let file) where file.matches(bytes, slashes: slashes):
                    reason = .file(pattern: field.value, depth: file.depth)
                case .name(let regex) where regex.matches(bytes): reason = .name(pattern: field.value)
                default: break
                }
            }
            if let reason, let depth = reason.depth {
                entries.append((.init(subsystem: subsystem, reason: reason), depth, order))
            }
        }
        entries.sort { $0.depth != $1.depth ? $0.depth > $1.depth : $0.order < $1.order }
        var result = entries.map(\.entry)
        var fileEmails: [String] = []
        if let contents {
            if path != "MAINTAINERS" { result += keywordEntries(contents) }
            if path.hasSuffix(".yaml"), !Self.endsInMaintainersWord(path) {
                fileEmails = FileEmails.extract(contents).map { String(decoding: $0, as: UTF8.self) }
            }
        }
        return MaintainersMatch(path: path, entries: result, fileEmails: fileEmails)
    }

    /// `K:` lines whose pattern occurs in `contents`, ordered by their index as text (Perl's `sort`).
    private func keywordEntries(_ contents: [UInt8]) -> [MaintainersMatch.Entry] {
        var found: [(key: String, entry: MaintainersMatch.Entry)] = []
        let lowercased = EmailAddress.lowercased(contents)
        for subsystem in subsystems {
            for (field, pattern) in subsystem.patterns {
                guard case .keyword(let regex) = pattern, regex.matches(contents, lowercased: lowercased) else {
                    continue
                }
                found.append((String(field.index), .init(subsystem: subsystem, reason: .keyword(pattern: field.value))))
            }
        }
        return found.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }.map(\.entry)
    }

    /// get_maintainer.pl's `\bMAINTAINERS$`.
    static func endsInMaintainersWord(_ path: String) -> Bool {
        guard path.hasSuffix("MAINTAINERS") else { return false }
        let before = path.utf8.dropLast("MAINTAINERS".count).last
        return before.map { !EmailAddress.isWordByte($0) } ?? true
    }
}

extension KernelSourceTree {
    /// The tree's `MAINTAINERS`, its `F:` and `X:` patterns told apart as
    /// files or directories by this tree (as get_maintainer.pl run in it does).
    public func maintainersFile() throws(SourceTreeError) -> MaintainersFile {
        let bytes = try contents(of: "MAINTAINERS")
        let root = self.root
        return MaintainersFile(text: String(decoding: bytes, as: UTF8.self)) { pattern in
            !pattern.hasPrefix("/") && FileProbe.isDirectory(path: root + "/" + pattern)
        }
    }

    /// The tree's `.mailmap`, or an empty map when it has none.
    public func mailmap() -> Mailmap {
        guard let bytes = try? contents(of: ".mailmap") else { return Mailmap() }
        return Mailmap(text: String(decoding: bytes, as: UTF8.self))
    }

    /// What `scripts/get_maintainer.pl -f PATH` finds for `path` in this
    /// tree: a directory is matched as `PATH/`; a file's contents are read
    /// for `K:` keywords (and a `.yaml` file's addresses).
    ///
    /// - Throws: ``SourceTreeError/noSuchFile(_:)`` when the tree has no such
    ///   file or directory (get_maintainer.pl stops with "file not found").
    public func maintainers(for path: String, in file: MaintainersFile) throws(SourceTreeError) -> MaintainersMatch {
        let (relative, real) = try resolve(path)
        if FileProbe.isDirectory(path: real) {
            return file.match(path: relative == "." ? "/" : relative + "/")
        }
        guard RealPath.isRegularFile(real) else { throw .noSuchFile(path) }
        return file.match(path: relative, contents: try? TextFile.readBytes(real))
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
