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

    /// The records of `text`, in order.
    static func records(_ text: String) -> [Record] {
        var records: [Record] = []
        forEachRecord(in: text) { line, bytes, offset in
            records.append(Record(line: line, text: ByteSearch.slice(text, bytes: offset..<(offset + bytes.count))))
        }
        return records
    }

    /// `body` for each record of `text`, in order: its 1-based line number,
    /// its trimmed bytes and their offset in `text`. Read on the UTF-8 bytes
    /// (a service parses the snapshots of every request): lines end at `\n`,
    /// and a `\r\n` ending is a line ending too. A record is cut at ASCII
    /// blanks, so its bytes are whole characters.
    static func forEachRecord(in text: String, _ body: (_ line: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int) -> Void) {
        ByteSearch.withBytes(text) { bytes in
            func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0d }
            var number = 0
            var lineStart = 0
            while lineStart <= bytes.count {
                number += 1
                let lineEnd = ByteSearch.offset(of: 0x0a, in: bytes, from: lineStart) ?? bytes.count
                var first = lineStart
                var last = lineEnd
                while first < last, isBlank(bytes[first]) { first += 1 }
                while last > first, isBlank(bytes[last - 1]) { last -= 1 }
                if first < last, bytes[first] != UInt8(ascii: "#") {
                    body(number, UnsafeBufferPointer(rebasing: bytes[first..<last]), first)
                }
                lineStart = lineEnd + 1
            }
        }
    }

    /// The text of whole characters' bytes (a record, or a field of one).
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// `string` of the bytes at `range` of `bytes`.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        string(UnsafeBufferPointer(rebasing: bytes[range]))
    }
}
