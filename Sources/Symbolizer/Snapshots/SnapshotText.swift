/// The line grammar the text snapshots share (`/proc/modules`,
/// `/proc/kallsyms`, section addresses): one record a line, blanks and
/// `#` comments skipped, spaces, tabs and a `\r` around a line ignored.
enum SnapshotText {
    /// One record: its 1-based line number, its trimmed text and its
    /// whitespace-separated fields.
    struct Record {
        var line: Int
        var text: Substring
        var fields: [Substring] { text.split(whereSeparator: { $0 == " " || $0 == "\t" }) }
    }

    /// The records of `text`, in order.
    static func records(_ text: String) -> [Record] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, raw in
            let trimmed = raw.trimmingCharacters(in: " \t\r")
            return trimmed.isEmpty || trimmed.hasPrefix("#") ? nil : Record(line: index + 1, text: trimmed)
        }
    }
}
