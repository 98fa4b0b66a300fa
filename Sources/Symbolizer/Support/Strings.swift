import ArchFixups

extension StringProtocol {
    /// Without the leading and trailing characters that are in `set`.
    /// An ASCII `set` (every caller's) is trimmed on the bytes, as every line of a log is.
    func trimmingCharacters(in set: String) -> Substring {
        var result = Substring(self)
        // Blanks: what the log readers trim on every line.
        if set == " \t" { return result.trimmingBytes { $0 == 0x20 || $0 == 0x09 } }
        guard set.utf8.allSatisfy({ $0 < 0x80 }) else {
            while let first = result.first, set.contains(first) { result.removeFirst() }
            while let last = result.last, set.contains(last) { result.removeLast() }
            return result
        }
        return ByteSearch.withBytes(set) { members in result.trimmingBytes { members.contains($0) } }
    }
}

extension Substring {
    /// Without the leading and trailing ASCII bytes `isMember` accepts; the
    /// same slice when there are none (most lines have nothing to trim).
    fileprivate func trimmingBytes(_ isMember: (UInt8) -> Bool) -> Substring {
        let range = withUTF8Bytes { bytes -> Range<Int> in
            var start = 0
            var end = bytes.count
            while start < end, isMember(bytes[start]) { start += 1 }
            while end > start, isMember(bytes[end - 1]) { end -= 1 }
            return start..<end
        }
        return range.count == utf8.count ? self : ByteSearch.slice(self, bytes: range)
    }
}

extension String {
    /// Without leading and trailing blanks (spaces, tabs).
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}

/// `count` spaces.
func spaces(_ count: Int) -> String { repeated(UInt8(ascii: " "), count: count) }

/// An ASCII character `count` times (the standard library's `String(repeating:count:)` joins strings one by one).
func repeated(_ character: UInt8, count: Int) -> String {
    String(decoding: [UInt8](repeating: character, count: max(0, count)), as: UTF8.self)
}

extension StringProtocol {
    /// The words between spaces (runs of spaces are one separator), found on
    /// the bytes: `split(separator: " ")` compares characters.
    var spaceSeparatedWords: [Substring] {
        let text = Substring(self)
        let ranges = text.withUTF8Bytes { $0.words { $0 == UInt8(ascii: " ") } }
        return ranges.map { ByteSearch.slice(text, bytes: $0) }
    }
}
