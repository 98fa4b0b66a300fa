import Synchronization

/// One regular expression of syzbot's title tables, compiled once.
///
/// Patterns are written as syzkaller writes them (Go RE2 syntax with its `{{PC}}`, `{{FUNC}}`,
/// `{{SRC}}`, `{{TASK}}` and `{{ADDR}}` macros) and translated to Swift `Regex` syntax when
/// compiled: the macros are expanded, the POSIX classes RE2 knows are spelled out, and only `\n`
/// ends a line: `.` matches anything but `\n`, `$` matches at the end of the text or before a `\n`
/// ending it. Matching is on Unicode scalars (a `\r\n` is two of them, not one character).
///
/// Swift's regex engine tries a pattern at every position of a text, which is slow, so a search
/// runs it only where a match can start: for a pattern beginning with `^` at the start of the text
/// alone, for one beginning with plain text only where that text occurs (found by a byte search),
/// and nowhere in a text lacking plain text that every match holds. A pattern that is plain text
/// throughout is only searched for.
struct TitleRegex: Sendable {
    /// The pattern as written in the table, before translation.
    let source: String
    private let shape: PatternShape
    /// The pattern, compiled on first use; nil for plain text, which is only searched for.
    private let compiled: LazyRegex?

    init(_ source: String) {
        self.source = source
        let pattern = TitleRegex.translate(source)
        shape = PatternShape(pattern)
        compiled = shape.isPlain ? nil : LazyRegex(pattern: pattern, source: source)
    }

    /// The compiled pattern (compiling it now if it was not yet); nil for plain text.
    private var regex: Regex<AnyRegexOutput>? { compiled?.regex }

    /// Compiles the pattern now (the tests check that every pattern of the tables compiles).
    func compile() throws {
        try compiled?.compile()
    }

    /// Expands syzkaller's macros and rewrites the RE2 syntax that means something else in Swift.
    static func translate(_ source: String) -> String {
        var pattern = source
        let replacements: [(String, String)] = [
            ("{{ADDR}}", "0x[0-9a-f]+"),
            ("{{PC}}", #"\[\<?(?:0x)?[0-9a-f]+\>?\]"#),
            ("{{FUNC}}", #"([a-zA-Z0-9_]+)(?:\.|\+)"#),
            ("{{SRC}}", #"([a-zA-Z0-9\-_/.]+\.[a-z]+:[0-9]+)"#),
            ("{{TASK}}", #"[\s\S]{0,100}?"#),
            ("[[:space:]]", #"[\t\n\u000B\f\r ]"#),
            ("[[:xdigit:]]", "[0-9A-Fa-f]"),
        ]
        for (macro, expansion) in replacements where ByteSearch.contains(pattern, macro) {
            pattern = pattern.replacingOccurrences(of: macro, with: expansion)
        }
        // Swift's `.` does not match `\r` (nor other line separators) either, and its `$` matches
        // only at the very end.
        var translated = ""
        var inClass = false
        var escaped = false
        for scalar in pattern.unicodeScalars {
            switch scalar {
            case _ where escaped: escaped = false
            case "\\": escaped = true
            case "[" where !inClass: inClass = true
            case "]" where inClass: inClass = false
            case "." where !inClass:
                translated += #"[^\n]"#
                continue
            case "$" where !inClass:
                translated += #"(?=\n?\z)"#
                continue
            case "^" where !inClass && !translated.isEmpty:
                // A search runs the regex on the text from a later position (`attempt`): a `^`
                // elsewhere than at the start would match there.
                preconditionFailure("syzbot title table: \(source): ^ is only supported at the start")
            default: break
            }
            translated.unicodeScalars.append(scalar)
        }
        return translated
    }

    /// The leftmost match in `text`.
    func firstMatch(in text: String) -> TitleMatch? {
        search(text, from: text.startIndex)?.titleMatch
    }

    /// Whether the pattern matches anywhere in `text`.
    func matches(_ text: String) -> Bool {
        search(text, from: text.startIndex) != nil
    }

    /// The UTF-8 of the pattern when it is plain text throughout (not anchored), else nil.
    var plainText: [UInt8]? {
        shape.isPlain && !shape.anchored ? shape.leading : nil
    }

    /// Whether a match starts at `position` in `text` (`^` matches at the start of `text` only).
    func matches(in text: String, at position: String.Index) -> Bool {
        guard !shape.anchored || position == text.startIndex, text.utf8[position...].starts(with: shape.leading)
        else { return false }
        return shape.isPlain || attempt(text, at: position) != nil
    }

    /// Every non-overlapping match replaced by `template`, in which `$n` stands for group n (as
    /// many digits as make a group number; empty when the group did not take part) and `\c` for `c`.
    func replacingAll(in text: String, with template: String) -> String {
        var result = ""
        var copied = text.startIndex
        var position = text.startIndex
        while let match = search(text, from: position)?.titleMatch {
            result.unicodeScalars.append(contentsOf: text.unicodeScalars[copied..<match.range.lowerBound])
            var rest = template.unicodeScalars[...]
            while let scalar = rest.popFirst() {
                if scalar == "\\", let next = rest.popFirst() {
                    result.unicodeScalars.append(next)
                } else if scalar == "$", let digit = rest.first.flatMap(TitleRegex.digit) {
                    rest.removeFirst()
                    var number = digit
                    while let next = rest.first.flatMap(TitleRegex.digit), number * 10 + next <= match.groups.count {
                        number = number * 10 + next
                        rest.removeFirst()
                    }
                    if number >= 1 && number <= match.groups.count { result += match.groups[number - 1] ?? "" }
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
            copied = match.range.upperBound
            position = match.range.upperBound
            if match.range.isEmpty {
                // After an empty match, the next one is looked for a scalar later.
                guard position < text.endIndex else { break }
                position = text.unicodeScalars.index(after: position)
            }
        }
        guard copied > text.startIndex else { return text }
        result.unicodeScalars.append(contentsOf: text.unicodeScalars[copied...])
        return result
    }

    private static func digit(_ scalar: Unicode.Scalar) -> Int? {
        ("0"..."9").contains(scalar) ? Int(scalar.value - 48) : nil
    }

    /// A match as found: the plain text of a plain pattern, or what the regex matched.
    private enum Found {
        case plain(Range<String.Index>)
        case regex(Regex<AnyRegexOutput>.Match)

        var titleMatch: TitleMatch {
            switch self {
            case .plain(let range): TitleMatch(range: range, groups: [])
            case .regex(let match): TitleMatch(match)
            }
        }
    }

    /// The leftmost match at `start` or later.
    private func search(_ text: String, from start: String.Index) -> Found? {
        let from = text.utf8.distance(from: text.startIndex, to: start)
        // `^` matches at the start of the text, not where a later search starts.
        guard !shape.anchored || from == 0 else { return nil }
        return ByteSearch.withBytes(text) { bytes -> Found? in
            if !shape.required.isEmpty && ByteSearch.firstOffset(of: shape.required, in: bytes, from: from) == nil {
                return nil
            }
            if shape.leading.isEmpty, let regex {
                if shape.anchored { return attempt(text, at: start).map(Found.regex) }
                return Substring(text.unicodeScalars[start...]).firstMatch(of: regex).map(Found.regex)
            }
            // The regex is tried where its plain start is, leftmost first.
            var offset = from
            while true {
                let hit =
                    shape.anchored
                    ? (offset == 0 && ByteSearch.hasBytes(shape.leading, in: bytes, at: 0) ? 0 : nil)
                    : ByteSearch.firstOffset(of: shape.leading, in: bytes, from: offset)
                guard let hit else { return nil }
                let index = text.utf8.index(text.utf8.startIndex, offsetBy: hit)
                if shape.isPlain {
                    return .plain(index..<text.utf8.index(index, offsetBy: shape.leading.count))
                }
                if let match = attempt(text, at: index) { return .regex(match) }
                offset = hit + 1
            }
        }
    }

    /// The regex's match starting at `index`, if there is one. The regex does not see the text
    /// before `index`, which only a `^` could tell (and `translate` keeps it at the start of a pattern).
    private func attempt(_ text: String, at index: String.Index) -> Regex<AnyRegexOutput>.Match? {
        regex.flatMap { Substring(text.unicodeScalars[index...]).prefixMatch(of: $0) }
    }
}

/// A pattern compiled on first use: parsing a regex costs about a tenth of a
/// millisecond, syzbot's tables hold hundreds, and a log needs a few of them.
final class LazyRegex: @unchecked Sendable {
    // @unchecked: `compiled` is written once, under `lock`. `Regex` is not declared Sendable but
    // is safe to share: its program is made on first use and stored atomically
    // (swift-experimental-string-processing, `Regex.Program.loweredProgram`).
    private let pattern: String
    private let source: String
    private let lock = Mutex(())
    private var compiled: Regex<AnyRegexOutput>?

    init(pattern: String, source: String) {
        self.pattern = pattern
        self.source = source
    }

    var regex: Regex<AnyRegexOutput> {
        do {
            return try compile()
        } catch {
            preconditionFailure("syzbot title table: bad pattern \(source) -> \(pattern): \(error)")
        }
    }

    @discardableResult
    func compile() throws -> Regex<AnyRegexOutput> {
        try lock.withLock { _ throws -> Void in
            if compiled == nil { compiled = try Regex(pattern).matchingSemantics(.unicodeScalar) }
        }
        return compiled!
    }
}

/// A match of a `TitleRegex`: where it is in the searched text and what its groups captured.
struct TitleMatch {
    /// Where the match is in the searched text (on Unicode scalar boundaries).
    var range: Range<String.Index>
    /// Groups 1…n; `nil` for a group that did not take part in the match.
    var groups: [String?]

    init(range: Range<String.Index>, groups: [String?]) {
        self.range = range
        self.groups = groups
    }

    init(_ match: Regex<AnyRegexOutput>.Match) {
        range = match.range
        groups = match.output.dropFirst().map { $0.substring.map(String.init) }
    }
}

/// Several title patterns asked one question: does any of them match? Each alternative is searched
/// on its own (as one alternation, even plain-text alternatives would run the regex engine at every
/// position of the text); the top-level alternatives of a pattern are split off too.
struct TitleRegexSet: Sendable {
    /// The alternatives that are plain text (most), as UTF-8.
    let plainTexts: [[UInt8]]
    /// The other alternatives.
    let patterns: [TitleRegex]

    init(_ sources: [String]) {
        let all = sources.flatMap(PatternShape.topLevelAlternatives).map { TitleRegex($0) }
        plainTexts = all.compactMap(\.plainText)
        patterns = all.filter { $0.plainText == nil }
    }

    /// Whether any pattern matches anywhere in `text`.
    func matches(_ text: String) -> Bool {
        ByteSearch.withBytes(text) { bytes in plainTexts.contains { ByteSearch.firstOffset(of: $0, in: bytes) != nil } }
            || patterns.contains { $0.matches(text) }
    }
}

/// What the top level of a translated pattern tells about its matches: whether they are anchored
/// at the start of the text (`^`), the plain text each starts with (after the `^`), and the longest
/// plain text each contains. Groups, classes, escaped letters and quantified characters end a run
/// of plain text unexamined; a top-level `|` or a flag group such as `(?i)` leaves nothing known.
fileprivate struct PatternShape: Sendable {
    private(set) var anchored = false
    /// UTF-8 of the plain text every match starts with.
    private(set) var leading: [UInt8] = []
    /// UTF-8 of the longest plain text every match contains (empty when `leading` is the pattern).
    private(set) var required: [UInt8] = []
    /// The pattern is `leading` (after an optional `^`) and nothing else.
    private(set) var isPlain = false

    init(_ pattern: String) {
        let scalars = Array(pattern.unicodeScalars)
        guard PatternShape.topLevelAlternatives(pattern).count == 1 else { return }
        var position = 0
        if scalars.first == "^" {
            anchored = true
            position = 1
        }
        var run = String.UnicodeScalarView()
        var runs: [[UInt8]] = []
        var plainSoFar = true
        func endRun() {
            runs.append(Array(String(run).utf8))
            run = String.UnicodeScalarView()
        }
        scan: while position < scalars.count {
            let scalar = scalars[position]
            position += 1
            switch scalar {
            case "*", "+", "?", "{":
                // The quantified character may be missing (or repeated).
                plainSoFar = false
                if !run.isEmpty { run.removeLast() }
                endRun()
                if scalar == "{" {
                    while position < scalars.count && scalars[position] != "}" { position += 1 }
                    position += 1
                }
            case "\\" where position < scalars.count:
                let next = scalars[position]
                position += 1
                guard next.properties.isAlphabetic || next.properties.numericType != nil else {
                    run.append(next)  // an escaped symbol is itself
                    continue
                }
                plainSoFar = false
                endRun()
                // `\n`, `\d`, `\z`…: one character or an anchor; others begin longer escapes.
                guard "nrtfsSdDwWzZ".unicodeScalars.contains(next) else { break scan }
            case "[", "(":
                plainSoFar = false
                endRun()
                guard let end = PatternShape.skipClassOrGroup(scalars, from: position - 1) else { break scan }
                if PatternShape.isFlagGroup(scalars[(position - 1)..<end]) { return }  // `(?i)` affects the rest
                position = end
            case ".", "^", "$", "|", ")", "\\":
                plainSoFar = false
                endRun()
            default:
                run.append(scalar)
            }
        }
        endRun()
        leading = runs[0]
        isPlain = plainSoFar && !leading.isEmpty
        if !isPlain { required = runs.max { $0.count < $1.count } ?? [] }
    }

    /// The top-level alternatives of `pattern` (the pattern itself when it has none).
    static func topLevelAlternatives(_ pattern: String) -> [String] {
        let scalars = Array(pattern.unicodeScalars)
        var alternatives: [String] = []
        var start = 0
        var position = 0
        while position < scalars.count {
            switch scalars[position] {
            case "\\": position += 2
            case "[", "(": position = skipClassOrGroup(scalars, from: position) ?? scalars.count
            case "|":
                alternatives.append(String(String.UnicodeScalarView(scalars[start..<position])))
                position += 1
                start = position
            default: position += 1
            }
        }
        alternatives.append(String(String.UnicodeScalarView(scalars[min(start, scalars.count)...])))
        return alternatives
    }

    /// The position after the class (`[`) or group (`(`) opening at `start`, with the escapes,
    /// classes and groups inside it; nil when it is not closed.
    private static func skipClassOrGroup(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var depth = 0
        var position = start
        while position < scalars.count {
            switch scalars[position] {
            case "\\":
                position += 2
            case "[":
                position += 1
                while position < scalars.count && scalars[position] != "]" {
                    position += scalars[position] == "\\" ? 2 : 1
                }
                position += 1
                if depth == 0 { return position <= scalars.count ? position : nil }
            case "(":
                depth += 1
                position += 1
            case ")":
                depth -= 1
                position += 1
                if depth == 0 { return position }
            default:
                position += 1
            }
        }
        return nil
    }

    /// Whether a group only sets flags for what follows it, like `(?i)`.
    private static func isFlagGroup(_ group: ArraySlice<Unicode.Scalar>) -> Bool {
        let inner = group.dropFirst().dropLast()
        return inner.first == "?" && inner.dropFirst().allSatisfy { $0.properties.isAlphabetic || $0 == "-" }
    }
}
