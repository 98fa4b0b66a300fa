/// The kernel's `MAINTAINERS` file, parsed as `scripts/get_maintainer.pl`
/// reads it: subsystem entries, each a title line and its fields (`M:`,
/// `R:`, `L:`, `S:`, `F:`, `X:`, `N:`, `K:`, …). Blank lines and `#` lines
/// are skipped wherever they are (a blank line inside an entry does not end
/// it); the text before the first entry is the file's introduction.
///
/// Lines that do not parse are ``problems`` (with their line numbers), and
/// parsing goes on: the entries keep the meaning get_maintainer.pl gives them.
public struct MaintainersFile: Sendable {
    /// One `T:` line: its tag letter and value (blanks after the colon removed).
    public struct Field: Sendable, Hashable {
        public var tag: Character
        public var value: String
        /// 1-based line in the file.
        public var line: Int
        /// Position among the file's non-blank, non-comment lines, counted
        /// from 0: get_maintainer.pl's index, which orders `K:` matches.
        public var index: Int
    }

    /// A problem found while parsing; the line is still read as get_maintainer.pl reads it.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// 1-based line in the file.
        public var line: Int
        public var message: String
        public var description: String { "MAINTAINERS:\(line): \(message)" }
    }

    /// The entries, in file order.
    public private(set) var subsystems: [Subsystem] = []
    public private(set) var problems: [Problem] = []

    /// The tags get_maintainer.pl and `MAINTAINERS`' introduction know.
    public static let knownTags: Set<Character> = [
        "M", "R", "L", "S", "W", "Q", "B", "C", "P", "T", "F", "X", "N", "K",
    ]

    /// - Parameters:
    ///   - text: the file's contents.
    ///   - isDirectory: whether a converted `F:`/`X:` pattern names a
    ///     directory of the tree (get_maintainer.pl's `-d`; the pattern is
    ///     then matched as `pattern/`). `nil` when no tree is at hand: a
    ///     pattern without a trailing `/` then matches both as a file and as
    ///     a directory (the depth it gives is the same either way).
    public init(text: String, isDirectory: ((String) -> Bool)? = nil) {
        var index = 0
        var title: (text: String, line: Int, index: Int)?
        var current: Subsystem?
        var lineNumber = 0
        // Lines split on bytes: a "\r\n" is one Character, and get_maintainer.pl keeps the "\r".
        for raw in text.utf8.split(separator: 10, omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = Substring(raw)
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.first == "#" { continue }
            defer { index += 1 }
            guard let field = Self.field(line, line: lineNumber, index: index) else {
                // A title, or text. A previous title with no field under it starts nothing.
                if let current { subsystems.append(current) }
                current = nil
                if let title, !subsystems.isEmpty {
                    problems.append(
                        Problem(
                            line: title.line, message: "'\(title.text)' has no fields below it: not a subsystem entry"))
                }
                if !subsystems.isEmpty, Self.looksLikeField(trimmed) {
                    problems.append(
                        Problem(
                            line: lineNumber,
                            message:
                                "'\(line)' is read as a title: a field is one capital letter and ':' at the start of the line"
                        ))
                }
                title = (String(line), lineNumber, index)
                continue
            }
            if current == nil {
                if let title {
                    current = Subsystem(name: title.text, line: title.line, index: title.index)
                } else {
                    problems.append(Problem(line: lineNumber, message: "field before any subsystem title"))
                    current = Subsystem(name: String(line), line: lineNumber, index: index)
                }
                title = nil
            }
            problems += Self.check(field)
            current!.add(field, isDirectory: isDirectory, problems: &problems)
        }
        if let current { subsystems.append(current) }
        if let title, !subsystems.isEmpty {
            problems.append(
                Problem(line: title.line, message: "'\(title.text)' has no fields below it: not a subsystem entry"))
        }
    }

    /// `T:\s*value`, as get_maintainer.pl's `^([A-Z]):\s*(.*)`.
    static func field(_ line: Substring, line number: Int, index: Int) -> Field? {
        guard let tag = line.first, tag.isASCII, tag.isUppercase, line.dropFirst().first == ":" else { return nil }
        let value = line.dropFirst(2).drop { EmailAddress.isPerlSpace($0) }
        return Field(tag: tag, value: String(value), line: number, index: index)
    }

    /// `m: x`, `F :x`, `  F: x`: what was meant as a field but is not one.
    static func looksLikeField(_ trimmed: Substring) -> Bool {
        let head = trimmed.prefix { $0 != ":" }
        guard head.count < trimmed.count else { return false }
        let letters = head.trimmingSuffixBlanks()
        return letters.count == 1 && letters.first!.isASCII && letters.first!.isLetter
    }

    static func check(_ field: Field) -> [Problem] {
        var problems: [Problem] = []
        if !knownTags.contains(field.tag) {
            problems.append(Problem(line: field.line, message: "unknown field '\(field.tag):'"))
        }
        if field.value.isEmpty {
            problems.append(Problem(line: field.line, message: "empty '\(field.tag):' field"))
        }
        if field.tag == "M" || field.tag == "R", !field.value.isEmpty, EmailAddress.parse(field.value).address.isEmpty {
            problems.append(Problem(line: field.line, message: "no e-mail address in '\(field.tag): \(field.value)'"))
        }
        if field.tag == "L", !field.value.isEmpty, !MailingList(field: field.value).address.contains("@") {
            problems.append(
                Problem(
                    line: field.line,
                    message:
                        "'L: \(field.value)' does not start with the list's address (get_maintainer.pl prints an empty line for it)"
                ))
        }
        return problems
    }
}

/// One subsystem entry of `MAINTAINERS`.
public struct Subsystem: Sendable {
    /// The title line (`NETWORKING [IPv4/IPv6]`).
    public var name: String
    /// 1-based line of the title.
    public var line: Int
    /// The fields in file order (get_maintainer.pl lists people in this order).
    public var fields: [MaintainersFile.Field] = []
    /// The `F:`, `X:`, `N:` and `K:` fields that compiled, in line order.
    var patterns: [(field: MaintainersFile.Field, pattern: CompiledPattern)] = []
    /// The title's index among the non-blank lines (get_maintainer.pl's).
    let index: Int

    init(name: String, line: Int, index: Int) {
        self.name = name
        self.line = line
        self.index = index
    }

    /// `S:` (`Maintained`, `Supported`, `Odd Fixes`, `Orphan`, `Obsolete`, …), the last one.
    public var status: String? { fields.last { $0.tag == "S" }?.value }
    /// `M:` values as written (`Name <address>`).
    public var maintainers: [String] { values("M") }
    /// `R:` values as written.
    public var reviewers: [String] { values("R") }
    /// `L:` lists.
    public var lists: [MailingList] { fields.filter { $0.tag == "L" }.map { MailingList(field: $0.value) } }
    /// `F:` patterns as written.
    public var files: [String] { values("F") }
    /// `X:` patterns as written.
    public var excludedFiles: [String] { values("X") }
    /// `N:` regular expressions as written.
    public var namePatterns: [String] { values("N") }
    /// `K:` regular expressions as written.
    public var keywords: [String] { values("K") }

    /// The values of one tag, in order.
    public func values(_ tag: Character) -> [String] { fields.filter { $0.tag == tag }.map(\.value) }

    mutating func add(
        _ field: MaintainersFile.Field, isDirectory: ((String) -> Bool)?, problems: inout [MaintainersFile.Problem]
    ) {
        fields.append(field)
        do {
            switch field.tag {
            case "F": patterns.append((field, .file(try FilePattern(field.value, isDirectory: isDirectory))))
            case "X": patterns.append((field, .exclude(try FilePattern(field.value, isDirectory: isDirectory))))
            case "N": patterns.append((field, .name(try PerlRegex(field.value, extended: true))))
            case "K": patterns.append((field, .keyword(try PerlRegex(field.value, extended: true))))
            default: break
            }
        } catch {
            problems.append(
                .init(line: field.line, message: "'\(field.tag):' \(error.description); the line is ignored"))
        }
    }
}

/// A pattern field, ready to match.
enum CompiledPattern: Sendable {
    case file(FilePattern)
    case exclude(FilePattern)
    case name(PerlRegex)
    case keyword(PerlRegex)
}

/// One `L:` line: the list's address and what follows it.
public struct MailingList: Sendable, Hashable {
    public var address: String
    /// `(moderated for non-subscribers)`, `(subscribers-only)`, … when given.
    public var note: String?

    /// Splits `address (note)` as get_maintainer.pl does (`([^\s]+)\s+(.*)$`).
    public init(field: String) {
        if let blank = field.firstIndex(where: { $0 == " " || $0 == "\t" }) {
            let rest = field[blank...].drop { $0 == " " || $0 == "\t" }
            address = String(field[..<blank])
            note = rest.isEmpty ? nil : String(rest)
        } else {
            address = field
            note = nil
        }
    }

    /// Only subscribers can post: get_maintainer.pl leaves these out by default.
    public var subscribersOnly: Bool { note?.contains("subscribers-only") ?? false }
    public var moderated: Bool { note?.contains("moderated") ?? false }
}

extension Substring {
    fileprivate func trimmingSuffixBlanks() -> Substring {
        var result = self
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
