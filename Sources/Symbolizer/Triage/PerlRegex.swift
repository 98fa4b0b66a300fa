/// The part of Perl's regular expressions that `MAINTAINERS` and
/// `scripts/get_maintainer.pl` use, matched the way Perl matches a string of
/// bytes: `N:` and `K:` patterns (with `/x`), the `F:`/`X:` globs once
/// converted, and get_maintainer.pl's own e-mail pattern for `.yaml` files.
///
/// Bytes, not characters: without `use utf8` Perl reads the script, the
/// patterns and the files as bytes, so `\w` is `[A-Za-z0-9_]`, `\b` is an
/// ASCII word boundary and a class such as `[À-ÿ]` is the range between the
/// UTF-8 bytes of its ends. Supported: literals, `.`, classes with ranges and
/// negation, `\w \W \s \S \d \D \b \B \t \n \r \f \e \xHH`, groups `( )`,
/// `(?: )`, `(?i: )`, `(?i)`, alternation (empty alternatives too), the
/// quantifiers `? * + {n} {n,} {n,m}` (lazy and possessive forms matched as
/// greedy: only whether and where a match starts and ends matters here), and
/// the anchors `^` and `$` (not multi-line). Anything else is a
/// ``PatternError``.
struct PerlRegex: Sendable {
    /// Why a pattern is not understood.
    struct PatternError: Error, Sendable, CustomStringConvertible {
        var pattern: String
        var reason: String
        var description: String { "pattern '\(pattern)': \(reason)" }
    }

    /// A set of bytes: 256 bits, no allocation.
    struct ByteSet: Sendable, Hashable {
        var w0: UInt64 = 0
        var w1: UInt64 = 0
        var w2: UInt64 = 0
        var w3: UInt64 = 0

        func contains(_ byte: UInt8) -> Bool {
            let bit: UInt64 = 1 << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: return w0 & bit != 0
            case 1: return w1 & bit != 0
            case 2: return w2 & bit != 0
            default: return w3 & bit != 0
            }
        }
        mutating func insert(_ byte: UInt8) {
            let bit: UInt64 = 1 << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: w0 |= bit
            case 1: w1 |= bit
            case 2: w2 |= bit
            default: w3 |= bit
            }
        }
        mutating func remove(_ byte: UInt8) {
            let bit: UInt64 = ~(1 << UInt64(byte & 63))
            switch byte >> 6 {
            case 0: w0 &= bit
            case 1: w1 &= bit
            case 2: w2 &= bit
            default: w3 &= bit
            }
        }
        mutating func insert(_ range: ClosedRange<UInt8>) { for byte in range { insert(byte) } }
        mutating func formUnion(_ other: ByteSet) {
            w0 |= other.w0
            w1 |= other.w1
            w2 |= other.w2
            w3 |= other.w3
        }
        func inverted() -> ByteSet { ByteSet(w0: ~w0, w1: ~w1, w2: ~w2, w3: ~w3) }
        var count: Int { w0.nonzeroBitCount + w1.nonzeroBitCount + w2.nonzeroBitCount + w3.nonzeroBitCount }
        /// The smallest member.
        var first: UInt8? {
            for (index, word) in [w0, w1, w2, w3].enumerated() where word != 0 {
                return UInt8(index * 64 + word.trailingZeroBitCount)
            }
            return nil
        }
        static let all = ByteSet(w0: .max, w1: .max, w2: .max, w3: .max)
    }

    enum Assertion: Sendable { case wordBoundary, notWordBoundary, start, end }

    indirect enum Node: Sendable {
        case bytes(ByteSet)
        case group([[Node]])
        case repetition(Node, min: Int, max: Int)
        case assertion(Assertion)
    }

    let pattern: String
    private let root: [Node]
    /// Bytes a match can start with; `nil` when a match may be empty.
    private let firstBytes: ByteSet?
    /// Texts one of which every match contains (lower-cased when `caselessLiterals`); `nil` when unknown.
    private let literals: [[UInt8]]?
    private let caselessLiterals: Bool

    /// - Parameter extended: Perl's `/x`: blanks and `#` comments outside classes are ignored.
    init(_ pattern: String, extended: Bool = false) throws(PatternError) {
        self.pattern = pattern
        var parser = Parser(bytes: Array(pattern.utf8), extended: extended, pattern: pattern)
        root = try parser.parseAlternatives()
        guard parser.index == parser.bytes.count else {
            throw PatternError(pattern: pattern, reason: "unmatched ')' at offset \(parser.index)")
        }
        let (first, empty) = Self.first(root)
        firstBytes = empty ? nil : first
        let required = Self.requiredLiterals(root)
        let caseless = required?.contains { $0.contains(where: \.caseless) } ?? false
        caselessLiterals = caseless
        literals = required?.map { run in
            run.map { caseless ? EmailAddress.lowercased([$0.byte])[0] : $0.byte }
        }
    }

    /// Whether the pattern matches somewhere in `text`.
    func matches(_ text: [UInt8]) -> Bool { firstMatch(in: text, from: 0) != nil }

    /// Whether the pattern matches somewhere in `text`, given the text
    /// lower-cased too (made once for many patterns).
    func matches(_ text: [UInt8], lowercased: [UInt8]) -> Bool {
        mayMatch(text, lowercased: lowercased) && firstMatch(in: text, from: 0, prefiltered: true) != nil
    }

    /// Whether the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool { matches(Array(text.utf8)) }

    /// Whether `text` holds one of the texts every match contains (searched
    /// with `memchr`/`memcmp`: most `K:` patterns are in no file, and this
    /// says so without running the matcher over the file).
    private func mayMatch(_ text: [UInt8], lowercased: [UInt8]? = nil) -> Bool {
        guard let literals else { return true }
        let haystack = caselessLiterals ? lowercased ?? EmailAddress.lowercased(text) : text
        return haystack.withUnsafeBufferPointer { buffer in
            literals.contains { ByteSearch.firstOffset(of: $0, in: buffer) != nil }
        }
    }

    /// The leftmost match at or after `start`, ending where Perl's would.
    func firstMatch(in text: [UInt8], from start: Int, prefiltered: Bool = false) -> Range<Int>? {
        if start == 0, !prefiltered, !mayMatch(text) { return nil }
        var position = start
        while position <= text.count {
            if let firstBytes {
                while position < text.count, !firstBytes.contains(text[position]) { position += 1 }
                if position == text.count { return nil }
            }
            if let end = match(in: text, at: position) { return position..<end }
            position += 1
        }
        return nil
    }

    /// Where a match starting exactly at `position` ends (Perl's choice), if one does.
    func match(in text: [UInt8], at position: Int) -> Int? {
        var end = -1
        return Matcher(text: text).match(root[...], position) {
            end = $0
            return true
        } ? end : nil
    }

    /// A byte of a required text: the byte (lower-cased when caseless).
    private struct LiteralByte {
        var byte: UInt8
        var caseless: Bool
    }

    /// The texts one of which every match of `sequence` contains: its
    /// longest run of single bytes (a letter in either case counts), or the
    /// alternatives of a group that each have one; `nil` when there is none.
    private static func requiredLiterals(_ sequence: [Node]) -> [[LiteralByte]]? {
        var best: [[LiteralByte]]?
        var bestLength = 0
        var run: [LiteralByte] = []
        func closeRun() {
            if run.count > bestLength {
                best = [run]
                bestLength = run.count
            }
            run = []
        }
        for node in sequence {
            switch node {
            case .bytes(let set):
                if let byte = literalByte(set) { run.append(byte) } else { closeRun() }
            case .group(let alternatives):
                closeRun()
                let each = alternatives.map(requiredLiterals)
                if bestLength == 0, each.allSatisfy({ $0 != nil }) {
                    best = each.flatMap { $0! }
                    bestLength = best!.map(\.count).min() ?? 0
                }
            case .repetition(let inner, let min, _):
                if min >= 1, case .bytes(let set) = inner, let byte = literalByte(set) {
                    run.append(byte)
                }
                closeRun()
            case .assertion: break
            }
        }
        closeRun()
        return bestLength > 0 ? best : nil
    }

    /// The byte a one-byte set (or a letter in both cases) stands for.
    private static func literalByte(_ set: ByteSet) -> LiteralByte? {
        let members = set.count
        guard members <= 2, let low = set.first else { return nil }
        if members == 1 { return LiteralByte(byte: low, caseless: false) }
        guard let other = Parser.otherCase(low), set.contains(other) else { return nil }
        return LiteralByte(byte: max(low, other), caseless: true)
    }

    /// The bytes a sequence can start with, and whether it can match empty.
    private static func first(_ sequence: [Node]) -> (ByteSet, Bool) {
        var result = ByteSet()
        for node in sequence {
            let (set, empty) = first(node)
            result.formUnion(set)
            if !empty { return (result, false) }
        }
        return (result, true)
    }

    private static func first(_ node: Node) -> (ByteSet, Bool) {
        switch node {
        case .bytes(let set): return (set, false)
        case .assertion: return (ByteSet(), true)
        case .repetition(let inner, let min, _):
            let (set, empty) = first(inner)
            return (set, empty || min == 0)
        case .group(let alternatives):
            var result = ByteSet()
            var empty = false
            for alternative in alternatives {
                let (set, canBeEmpty) = first(alternative)
                result.formUnion(set)
                empty = empty || canBeEmpty
            }
            return (result, empty)
        }
    }

    /// Backtracking over the tree, continuation-passing; runs of one byte
    /// class are measured in a loop, not by recursion.
    private struct Matcher {
        let text: [UInt8]

        func match(_ sequence: ArraySlice<Node>, _ start: Int, _ next: (Int) -> Bool) -> Bool {
            var position = start
            var index = sequence.startIndex
            while index < sequence.endIndex {
                switch sequence[index] {
                case .bytes(let set):
                    guard position < text.count, set.contains(text[position]) else { return false }
                    position += 1
                case .assertion(let assertion):
                    guard holds(assertion, at: position) else { return false }
                case .group(let alternatives):
                    let rest = sequence[(index + 1)...]
                    for alternative in alternatives
                    where match(alternative[...], position, { self.match(rest, $0, next) }) {
                        return true
                    }
                    return false
                case .repetition(let inner, let min, let max):
                    let rest = sequence[(index + 1)...]
                    if case .bytes(let set) = inner {
                        var count = 0
                        while count < max, position + count < text.count, set.contains(text[position + count]) {
                            count += 1
                        }
                        guard count >= min else { return false }
                        for taken in stride(from: count, through: min, by: -1)
                        where match(rest, position + taken, next) {
                            return true
                        }
                        return false
                    }
                    return repeatMatch(inner, min: min, max: max, count: 0, position) { self.match(rest, $0, next) }
                }
                index += 1
            }
            return next(position)
        }

        private func repeatMatch(_ node: Node, min: Int, max: Int, count: Int, _ position: Int, _ next: (Int) -> Bool)
            -> Bool
        {
            if count < max,
                match(
                    [node][...], position,
                    { end in
                        // An empty iteration cannot make progress: take it as meeting the minimum.
                        end == position
                            ? next(end) : self.repeatMatch(node, min: min, max: max, count: count + 1, end, next)
                    })
            {
                return true
            }
            return count >= min && next(position)
        }

        private func holds(_ assertion: Assertion, at position: Int) -> Bool {
            switch assertion {
            case .start: return position == 0
            case .end:
                return position == text.count || (position == text.count - 1 && text[position] == UInt8(ascii: "\n"))
            case .wordBoundary, .notWordBoundary:
                let before = position > 0 && Parser.word.contains(text[position - 1])
                let after = position < text.count && Parser.word.contains(text[position])
                return (before != after) == (assertion == .wordBoundary)
            }
        }
    }
}
