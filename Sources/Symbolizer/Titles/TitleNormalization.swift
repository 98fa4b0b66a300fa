/// syzbot's title clean-up: dynamic parts become placeholders, then the title is
/// sanitised and cut to 120 bytes.
enum TitleNormalization {
    /// Applied in order; each one again and again until the title stops changing.
    static let replacements: [(pattern: TitleRegex, template: String)] = [
        // Executor process names and ids.
        (TitleRegex(#"syz-executor\.?[0-9]+((/|:)[0-9]+)?"#), "syz-executor"),
        (TitleRegex(#"syzkaller[0-9]+((/|:)[0-9]+)?"#), "syzkaller"),
        // Anything that looks like an address (also long decimal runs).
        (TitleRegex(#"([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}"#), "$1ADDR"),
        (TitleRegex(#"([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})"#), "IP"),
        // file.c:123 and file.c:123:45
        (TitleRegex(#"(\.[0-9A-Za-z_]+)(:[0-9]+)+"#), "$1:LINE"),
        // func+0x12/0x34
        (TitleRegex(#"([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+"#), "$1"),
        (TitleRegex(#"CPU#[0-9]+"#), "CPU"),
        // Loose decimal numbers (digits inside identifiers stay); overlapping runs need repeats.
        (TitleRegex(#"([^0-9A-Za-z_])([0-9]+)([^0-9A-Za-z_]|$)"#), "$1NUM$3"),
        (TitleRegex(#"([0-9]+){7,}"#), "NUM"),
    ]

    static let maxBytes = 120

    /// `title` as syzbot files it.
    static func normalize(_ title: String) -> String {
        sanitize(replace(title))
    }

    static func replace(_ title: String) -> String {
        var result = title
        for (pattern, template) in replacements {
            while true {
                let next = pattern.replacingAll(in: result, with: template)
                if next == result { break }
                result = next
            }
        }
        return result
    }

    /// The first 120 bytes, tabs as spaces, control and non-ASCII bytes dropped, runs of
    /// spaces collapsed, trimmed.
    static func sanitize(_ title: String) -> String {
        var bytes: [UInt8] = []
        var previous = UInt8(ascii: " ")
        for var byte in title.utf8.prefix(maxBytes) {
            if byte == UInt8(ascii: "\t") {
                byte = UInt8(ascii: " ")
            } else if byte < 0x20 || byte >= 0x7F {
                continue
            }
            if byte == UInt8(ascii: " ") && previous == UInt8(ascii: " ") { continue }
            bytes.append(byte)
            previous = byte
        }
        while bytes.last == UInt8(ascii: " ") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The function after the title's last ` in ` (a Rust `<T as Trait>::` prefix and `::` included).
    static let framePattern = TitleRegex(#".* in ((?:<[a-zA-Z0-9_: ]+>)?[a-zA-Z0-9_:]+)"#)

    static func frame(of title: String) -> String? {
        framePattern.firstMatch(in: title).flatMap { $0.groups.first ?? nil }
    }
}
