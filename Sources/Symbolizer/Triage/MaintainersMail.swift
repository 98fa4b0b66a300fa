/// E-mail addresses as `scripts/get_maintainer.pl` reads and writes them
/// (`parse_email`, `format_email`), on bytes as Perl does: a name with any
/// byte other than a letter, digit, `_`, blank or `-` (a `.`, a `,`, any
/// non-ASCII letter) is quoted.
public enum EmailAddress {
    /// `Name <address>`, `<address>`, `address…` → name and address.
    public static func parse(_ text: String) -> (name: String, address: String) {
        let (name, address) = parse(Array(text.utf8))
        return (String(decoding: name, as: UTF8.self), String(decoding: address, as: UTF8.self))
    }

    /// `Name <address>`, or the address alone when there is no name.
    public static func format(name: String, address: String) -> String {
        String(decoding: format(name: Array(name.utf8), address: Array(address.utf8)), as: UTF8.self)
    }

    static func parse(_ text: [UInt8]) -> (name: [UInt8], address: [UInt8]) {
        var name: [UInt8] = []
        var address: [UInt8] = []
        let lt = UInt8(ascii: "<")
        let gt = UInt8(ascii: ">")
        let at = UInt8(ascii: "@")
        // `^([^<]+)<(.+\@.*)>.*$`: up to the first `<`, then to the last `>`,
        // with an `@` after at least one byte.
        if let open = text.firstIndex(of: lt), open > 0, let close = text.lastIndex(of: gt), close > open,
            text[(open + 2)..<max(open + 2, close)].contains(at), !text.contains(10)
        {
            name = Array(text[..<open])
            address = Array(text[(open + 1)..<close])
        } else if let open = text.firstIndex(where: { !isSpace($0) }), text[open] == lt,
            let captured = addressThenGreater(text, from: open + 1)
        {
            // `^\s*<(.+\@\S*)>.*$`
            address = Array(text[(open + 1)..<captured])
        } else if let last = text.lastIndex(of: at), last >= 1 {
            // `^(.+\@\S*).*$`
            var end = last + 1
            while end < text.count, !isSpace(text[end]) { end += 1 }
            address = Array(text[..<end])
        }
        return (normalizedName(name), trimmed(address))
    }

    /// For `.+\@\S*>`: the `>` ending the capture, trying the last `@` first.
    private static func addressThenGreater(_ text: [UInt8], from start: Int) -> Int? {
        var candidates = text.indices.filter { $0 >= start + 1 && text[$0] == UInt8(ascii: "@") }
        while let at = candidates.popLast() {
            var end = at + 1
            while end < text.count, !isSpace(text[end]) { end += 1 }
            if let close = text[(at + 1)..<end].lastIndex(of: UInt8(ascii: ">")) { return close }
        }
        return nil
    }

    static func format(name: [UInt8], address: [UInt8]) -> [UInt8] {
        let name = normalizedName(name)
        let address = trimmed(address)
        return name.isEmpty ? address : name + Array(" <".utf8) + address + [UInt8(ascii: ">")]
    }

    /// Trimmed, one leading and one trailing `"` removed, then quoted (with
    /// its bare `"` escaped) when it has a byte that must be quoted.
    static func normalizedName(_ raw: [UInt8]) -> [UInt8] {
        var name = trimmed(raw)
        if name.first == UInt8(ascii: "\"") { name.removeFirst() }
        if name.last == UInt8(ascii: "\"") { name.removeLast() }
        guard name.contains(where: { !isWordByte($0) && $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "-") }) else {
            return name
        }
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        for (index, byte) in name.enumerated() {
            if byte == UInt8(ascii: "\""), index == 0 || name[index - 1] != UInt8(ascii: "\\") {
                quoted.append(UInt8(ascii: "\\"))
            }
            quoted.append(byte)
        }
        quoted.append(UInt8(ascii: "\""))
        return quoted
    }

    static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return [] }
        return Array(bytes[first...last])
    }

    /// Perl's `\s` on bytes.
    static func isSpace(_ byte: UInt8) -> Bool { byte == 32 || (9...13).contains(byte) }

    /// Perl's `\s` for a character.
    static func isPerlSpace(_ character: Character) -> Bool {
        character.asciiValue.map(isSpace) ?? false
    }

    /// Perl's `\w` on bytes: ASCII letters, digits, `_`.
    static func isWordByte(_ byte: UInt8) -> Bool { PerlRegex.Parser.word.contains(byte) }

    /// Perl's `lc` on bytes: ASCII only.
    static func lowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { (65...90).contains($0) ? $0 + 32 : $0 }
    }
}

/// The tree's `.mailmap`, as get_maintainer.pl reads it (`read_mailmap`,
/// `mailmap_email`): names and addresses replaced by the ones people use now.
public struct Mailmap: Sendable {
    var names: [[UInt8]: [UInt8]] = [:]
    var addresses: [[UInt8]: [UInt8]] = [:]

    /// An empty map (a tree without `.mailmap`).
    public init() {}

    /// Reads the four forms of a `.mailmap` line (`Name <mail>`,
    /// `<mail> <old>`, `Name <mail> <old>`, `Name <mail> Old <old>`); other
    /// lines are ignored, as git and get_maintainer.pl ignore them.
    public init(text: String) {
        for raw in text.utf8.split(separator: 10) {
            var line = Array(raw)
            if let hash = line.firstIndex(of: UInt8(ascii: "#")) { line.removeSubrange(hash...) }
            line = EmailAddress.trimmed(line)
            guard line.last == UInt8(ascii: ">"), let lastOpen = line.lastIndex(of: UInt8(ascii: "<")) else { continue }
            let second = Array(line[(lastOpen + 1)..<(line.count - 1)])
            guard !second.isEmpty, !second.contains(UInt8(ascii: ">")) else { continue }
            let before = Array(line[..<lastOpen])
            if !before.isEmpty, !before.contains(UInt8(ascii: "<")) {
                let (name, address) = EmailAddress.parse(rightTrimmed(before) + Array(" <".utf8) + second + [62])
                names[address] = name
                continue
            }
            let head = rightTrimmed(before)
            if head.last == UInt8(ascii: ">"), let open = head.lastIndex(of: UInt8(ascii: "<")),
                open + 1 < head.count - 1,
                !head[(open + 1)..<(head.count - 1)].contains(UInt8(ascii: ">"))
            {
                let first = Array(head[(open + 1)..<(head.count - 1)])
                if open == 0 {
                    addresses[second] = first
                } else {
                    let (name, address) = EmailAddress.parse(
                        rightTrimmed(Array(head[..<open])) + Array(" <".utf8) + first + [62])
                    names[second] = name
                    addresses[second] = address
                }
                continue
            }
            // `Name <mail> Old Name <old>`: the last `<…>` before the old name.
            guard let close = before.lastIndex(of: UInt8(ascii: ">")),
                let open = before[..<close].lastIndex(of: UInt8(ascii: "<")),
                open > 0, open + 1 < close, !before[(open + 1)..<close].contains(UInt8(ascii: ">"))
            else { continue }
            let wrong = EmailAddress.trimmed(Array(before[(close + 1)...]))
            guard !wrong.isEmpty else { continue }
            let (realName, realAddress) = EmailAddress.parse(
                rightTrimmed(Array(before[..<open])) + Array(" <".utf8) + Array(before[(open + 1)..<close]) + [62])
            let (wrongName, wrongAddress) = EmailAddress.parse(wrong + Array(" <".utf8) + second + [62])
            let wrongEmail = EmailAddress.format(name: wrongName, address: wrongAddress)
            names[wrongEmail] = realName
            addresses[wrongEmail] = realAddress
        }
    }

    private func rightTrimmed(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes[..<(bytes.lastIndex { !EmailAddress.isSpace($0) }.map { $0 + 1 } ?? 0)])
    }

    /// `Name <address>` as the map says it is now.
    public func map(_ email: String) -> String { String(decoding: map(Array(email.utf8)), as: UTF8.self) }

    func map(_ email: [UInt8]) -> [UInt8] {
        let (name, address) = EmailAddress.parse(email)
        let formatted = EmailAddress.format(name: name, address: address)
        var realName = name
        var realAddress = address
        if names[formatted] != nil || addresses[formatted] != nil {
            realName = names[formatted] ?? realName
            realAddress = addresses[formatted] ?? realAddress
        } else {
            realName = names[address] ?? realName
            realAddress = addresses[address] ?? realAddress
        }
        return EmailAddress.format(name: realName, address: realAddress)
    }
}
