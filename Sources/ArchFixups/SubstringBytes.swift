/// Prefix and suffix tests on a substring's UTF-8 bytes.
///
/// The standard library answers `Substring.hasPrefix(_:)` through the generic
/// `StringProtocol` one, which walks both texts a `Character` (grapheme
/// cluster) at a time; on a log's every line, for every header, register
/// dump and frame syntax tried, that was a sixth of the time a warm request
/// of `ksymbolize serve` took. These concrete overloads, which the compiler
/// prefers wherever ArchFixups is imported, compare bytes instead. Log syntax
/// is ASCII, so the answers are the same; in the one way they could differ —
/// a prefix ending just before a combining mark — a byte comparison is what
/// a log's syntax means.
extension Substring {
    /// Whether the substring's UTF-8 bytes start with `prefix`'s.
    @inlinable
    public func hasPrefix(_ prefix: String) -> Bool {
        withUTF8Bytes { text in
            var prefix = prefix
            return prefix.withUTF8 { text.starts(with: $0) }
        }
    }

    /// Whether the substring's UTF-8 bytes end with `suffix`'s.
    @inlinable
    public func hasSuffix(_ suffix: String) -> Bool {
        let count = suffix.utf8.count
        guard utf8.count >= count else { return false }
        return utf8.suffix(count).elementsEqual(suffix.utf8)
    }

    /// `body` given the substring's UTF-8 bytes (in place for a native
    /// string, else copied): many prefixes checked against one message.
    @inlinable
    public func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        // `Substring.withUTF8` reads a native string's bytes in place; the generic
        // `utf8.withContiguousStorageIfAvailable` cost some 400 instructions a call.
        var text = self
        return text.withUTF8(body)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether these bytes start with `prefix`'s.
    @inlinable
    public func starts(with prefix: UnsafeBufferPointer<UInt8>) -> Bool {
        guard prefix.count <= count else { return false }
        for index in 0..<prefix.count where self[index] != prefix[index] { return false }
        return true
    }

    /// Whether these bytes start with the text of `prefix`.
    @inlinable
    public func starts(with prefix: StaticString) -> Bool {
        prefix.withUTF8Buffer { starts(with: $0) }
    }

    /// Whether the text of `part` is somewhere in these bytes.
    @inlinable
    public func contains(_ part: StaticString) -> Bool {
        part.withUTF8Buffer { needle in
            guard needle.count <= count else { return false }
            return (0...(count - needle.count)).contains { UnsafeBufferPointer(rebasing: self[$0...]).starts(with: needle) }
        }
    }

    /// The offsets of the blank-separated (space, tab) words of these bytes.
    @inlinable
    public func blankSeparatedWords() -> [Range<Int>] {
        words { $0 == 0x20 || $0 == 0x09 }
    }

    /// The offsets of the blank-separated (space, tab) word at or after `position`, if any: for
    /// readers that take a line's first few words as they go, without a word list.
    @inlinable
    public func blankSeparatedWord(from position: Int) -> Range<Int>? {
        var start = position
        while start < count, self[start] == 0x20 || self[start] == 0x09 { start += 1 }
        guard start < count else { return nil }
        var end = start + 1
        while end < count, self[end] != 0x20, self[end] != 0x09 { end += 1 }
        return start..<end
    }

    /// The offsets of the words between runs of separator bytes.
    @inlinable
    public func words(separatedBy isSeparator: (UInt8) -> Bool) -> [Range<Int>] {
        var words: [Range<Int>] = []
        words.reserveCapacity(16)
        var position = 0
        while position < count {
            while position < count, isSeparator(self[position]) { position += 1 }
            let start = position
            while position < count, !isSeparator(self[position]) { position += 1 }
            if position > start { words.append(start..<position) }
        }
        return words
    }
}
