import ArchFixups
#if canImport(Glibc)
    import Glibc
#endif

/// Plain-text searches on the UTF-8 bytes of strings: what `TitleRegex` does instead of running
/// a regex where a byte search gives the same answer, and the checks made on every line of a log
/// (far cheaper than the standard library's search, which compares characters). Text is compared
/// scalar by scalar, as the regexes do.
enum ByteSearch {
    /// Whether `text` contains `part`.
    static func contains<Text: StringProtocol>(_ text: Text, _ part: String) -> Bool {
        withBytes(text) { haystack in withBytes(part) { needle in firstOffset(of: needle, in: haystack) != nil } }
    }

    /// Where the first `part` in `text` is.
    static func firstRange<Text: StringProtocol>(of part: String, in text: Text) -> Range<String.Index>? {
        let offset = withBytes(text) { haystack in withBytes(part) { needle in firstOffset(of: needle, in: haystack) } }
        guard let offset else { return nil }
        let start = text.utf8.index(text.utf8.startIndex, offsetBy: offset)
        return start..<text.utf8.index(start, offsetBy: part.utf8.count)
    }

    /// Where the first `part` in `text` is, when it ends within the first `limit` bytes.
    static func firstRange<Text: StringProtocol>(of part: String, in text: Text, withinFirst limit: Int) -> Range<String.Index>? {
        let offset = withBytes(text) { haystack in
            withBytes(part) { needle in
                firstOffset(of: needle, in: UnsafeBufferPointer(rebasing: haystack.prefix(limit)))
            }
        }
        guard let offset else { return nil }
        let start = text.utf8.index(text.utf8.startIndex, offsetBy: offset)
        return start..<text.utf8.index(start, offsetBy: part.utf8.count)
    }

    /// Whether `text` ends with `part`.
    static func hasSuffix(_ text: String, _ part: String) -> Bool {
        let count = part.utf8.count
        return text.utf8.count >= count && text.utf8.suffix(count).elementsEqual(part.utf8)
    }

    /// The offset of the first `needle` in `haystack` at `from` or later: memchr for the needle's
    /// first byte that is not a space (spaces are everywhere in a log), memcmp for the whole
    /// (Glibc does not export memmem).
    static func firstOffset(
        of needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>, from: Int = 0
    ) -> Int? {
        guard let wanted = needle.baseAddress, !needle.isEmpty else { return from <= haystack.count ? from : nil }
        guard let base = haystack.baseAddress, from < haystack.count, haystack.count - from >= needle.count else { return nil }
        let anchor = needle.firstIndex { $0 != UInt8(ascii: " ") } ?? 0
        // Candidates start in from...last; their anchor byte is `anchor` bytes further.
        let last = haystack.count - needle.count
        var start = from
        while start <= last {
            guard let hit = memchr(base + start + anchor, Int32(needle[anchor]), last - start + 1) else { return nil }
            let candidate = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - anchor
            if memcmp(candidate, wanted, needle.count) == 0 { return candidate - base }
            start = candidate - base + 1
        }
        return nil
    }

    /// The offset of the first `byte` among the `limit` bytes from `start` (memchr).
    static func offset(
        of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0, within limit: Int = .max
    ) -> Int? {
        guard let base = bytes.baseAddress, start < bytes.count,
            let hit = memchr(base + start, Int32(byte), min(limit, bytes.count - start))
        else { return nil }
        return UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
    }

    /// `firstOffset(of:in:from:)` for a needle in an array.
    static func firstOffset(of needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from: Int = 0) -> Int? {
        needle.withUnsafeBufferPointer { firstOffset(of: $0, in: haystack, from: from) }
    }

    /// Whether `haystack` holds `needle` at `offset`.
    static func hasBytes(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        needle.withUnsafeBufferPointer { hasBytes($0, in: haystack, at: offset) }
    }

    /// Whether `haystack` holds `needle` at `offset` (ArchFixups' `starts(with:)` from there).
    static func hasBytes(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        offset <= haystack.count && UnsafeBufferPointer(rebasing: haystack[offset...]).starts(with: needle)
    }

    /// The part of `text` at byte offsets `range` (offsets where a character starts or ends).
    static func slice(_ text: Substring, bytes range: Range<Int>) -> Substring {
        let utf8 = text.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
        return text[start..<utf8.index(start, offsetBy: range.count)]
    }

    /// The part of `text` at byte offsets `range` (offsets where a character starts or ends).
    static func slice(_ text: String, bytes range: Range<Int>) -> Substring {
        slice(text[...], bytes: range)
    }

    /// `body` given the UTF-8 bytes of `text` (in place: Swift strings are UTF-8 on Linux).
    static func withBytes<Text: StringProtocol, Result>(
        _ text: Text, _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result {
        // In place through `withUTF8` (the generic `utf8.withContiguousStorageIfAvailable` costs
        // some 400 instructions a call on a substring).
        if var string = text as? String { return string.withUTF8(body) }
        if let substring = text as? Substring { return substring.withUTF8Bytes(body) }
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }
}
