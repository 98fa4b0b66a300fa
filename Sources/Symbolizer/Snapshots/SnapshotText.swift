import ArchFixups

/// The line grammar the text snapshots share (`/proc/modules`,
/// `/proc/kallsyms`, section addresses): one record a line, blanks and
/// `#` comments skipped, spaces, tabs and a `\r` around a line ignored.
enum SnapshotText {
    /// One record: its 1-based line number, its trimmed text and its
    /// whitespace-separated fields.
    struct Record {
        var line: Int
        var text: Substring
        var fields: [Substring] {
            let text = text
            return ByteSearch.withBytes(text) { $0.blankSeparatedWords() }.map { ByteSearch.slice(text, bytes: $0) }
        }
    }

    /// The records of `text`, in order. Read on the UTF-8 bytes (a service
    /// parses the snapshots of every request): lines end at `\n`, and a
    /// `\r\n` ending is a line ending too.
    static func records(_ text: String) -> [Record] {
        var records: [Record] = []
        ByteSearch.withBytes(text) { bytes in
            func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0d }
            var number = 0
            var lineStart = 0
            while lineStart <= bytes.count {
                number += 1
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != 0x0a { lineEnd += 1 }
                var first = lineStart
                var last = lineEnd
                while first < last, isBlank(bytes[first]) { first += 1 }
                while last > first, isBlank(bytes[last - 1]) { last -= 1 }
                if first < last, bytes[first] != UInt8(ascii: "#") {
                    records.append(Record(line: number, text: ByteSearch.slice(text, bytes: first..<last)))
                }
                lineStart = lineEnd + 1
            }
        }
        return records
    }
}
