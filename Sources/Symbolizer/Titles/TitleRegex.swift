import Foundation

/// One regular expression of syzbot's title tables, compiled once.
///
/// Patterns are written as syzkaller writes them (Go RE2 syntax with its
/// `{{PC}}`, `{{FUNC}}`, `{{SRC}}`, `{{TASK}}` and `{{ADDR}}` macros) and
/// translated to ICU when compiled: the macros are expanded, the POSIX
/// classes RE2 knows are spelled out, and only `\n` ends a line (as in Go).
struct TitleRegex: @unchecked Sendable {
    // @unchecked: NSRegularExpression is immutable once built and its
    // matching methods are documented as safe to call from any thread; the
    // struct holds nothing else mutable.
    let regex: NSRegularExpression
    /// The pattern as written in the table, before translation.
    let source: String

    /// `multiline`: `^` and `$` match at every line (for searching a whole log at once).
    init(_ source: String, multiline: Bool = false) {
        self.source = source
        let pattern = TitleRegex.translate(source)
        var options: NSRegularExpression.Options = [.useUnixLineSeparators]
        if multiline { options.insert(.anchorsMatchLines) }
        do {
            regex = try NSRegularExpression(pattern: pattern, options: options)
        } catch {
            preconditionFailure("syzbot title table: bad pattern \(source) -> \(pattern): \(error)")
        }
    }

    /// A pattern matching any of `alternatives` (each kept as its own group).
    init(anyOf alternatives: [String], multiline: Bool = false) {
        self.init(alternatives.map { "(?:\($0))" }.joined(separator: "|"), multiline: multiline)
    }

    /// Expands syzkaller's macros and rewrites RE2-only syntax for ICU.
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
        for (macro, expansion) in replacements {
            pattern = pattern.replacingOccurrences(of: macro, with: expansion)
        }
        return pattern
    }

    /// The leftmost match in `text` starting at UTF-16 offset `from` or later.
    func firstMatch(in text: String, from: Int = 0) -> TitleMatch? {
        let length = text.utf16.count
        guard from <= length,
            let result = regex.firstMatch(in: text, options: [], range: NSRange(location: from, length: length - from))
        else { return nil }
        return TitleMatch(result: result, text: text)
    }

    /// Whether the pattern matches anywhere in `text`.
    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(location: 0, length: text.utf16.count)) != nil
    }

    /// Every non-overlapping match, in order.
    func allMatches(in text: String) -> [NSTextCheckingResult] {
        regex.matches(in: text, options: [], range: NSRange(location: 0, length: text.utf16.count))
    }

    /// Every non-overlapping match replaced by `template` (`$1` for groups).
    func replacingAll(in text: String, with template: String) -> String {
        regex.stringByReplacingMatches(
            in: text, options: [], range: NSRange(location: 0, length: text.utf16.count), withTemplate: template)
    }
}

/// A match of a `TitleRegex`: where it starts and what its groups captured.
struct TitleMatch {
    /// UTF-16 offset of the match in the searched text.
    var location: Int
    /// Groups 1…n; `nil` for a group that did not take part in the match.
    var groups: [String?]

    init(result: NSTextCheckingResult, text: String) {
        location = result.range.location
        groups = (1..<max(result.numberOfRanges, 1)).map { index in
            let range = result.range(at: index)
            guard range.location != NSNotFound, let bounds = Range(range, in: text) else { return nil }
            return String(text[bounds])
        }
    }
}
