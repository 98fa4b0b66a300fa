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
            text.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).map { Substring($0) }
        }
    }

    /// The records of `text`, in order. Read on the UTF-8 bytes (a service
    /// parses the snapshots of every request): lines end at `\n`, and a
    /// `\r\n` ending is a line ending too.
    static func records(_ text: String) -> [Record] {
        var records: [Record] = []
        var number = 0
        for raw in text.utf8.split(separator: 0x0a, omittingEmptySubsequences: false) {
            number += 1
            let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }
            guard let first = raw.firstIndex(where: { !isBlank($0) }), let last = raw.lastIndex(where: { !isBlank($0) }),
                raw[first] != UInt8(ascii: "#")
            else { continue }
            records.append(Record(line: number, text: Substring(raw[first...last])))
        }
        return records
    }
}
