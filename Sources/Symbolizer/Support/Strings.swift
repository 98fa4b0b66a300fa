import ArchFixups

extension StringProtocol {
    /// Without the leading and trailing characters that are in `set`.
    /// An ASCII `set` (every caller's) is trimmed on the bytes, as every line of a log is.
    func trimmingCharacters(in set: String) -> Substring {
        var result = Substring(self)
        guard set.utf8.allSatisfy({ $0 < 0x80 }) else {
            while let first = result.first, set.contains(first) { result.removeFirst() }
            while let last = result.last, set.contains(last) { result.removeLast() }
            return result
        }
        let range = ByteSearch.withBytes(set) { members in
            result.withUTF8Bytes { bytes -> Range<Int> in
                var start = 0
                var end = bytes.count
                while start < end, members.contains(bytes[start]) { start += 1 }
                while end > start, members.contains(bytes[end - 1]) { end -= 1 }
                return start..<end
            }
        }
        return ByteSearch.slice(result, bytes: range)
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
