/// One line of a kernel log, exactly as read, plus the message it carries.
public struct LogLine: Sendable {
    /// 1-based line number in the input.
    public var number: Int
    /// The line's bytes without its terminator (`\n`, and a `\r` before it).
    public var bytes: [UInt8]
    /// The terminator as read: `"\n"`, `"\r\n"`, or empty for a last line without one.
    public var terminator: [UInt8]
    /// The line decoded as UTF-8 (invalid bytes replaced, NULs dropped), without terminator.
    public var text: String
    /// The kernel message: `text` without syslog, journal, `<level>`,
    /// timestamp and caller-id prefixes.
    public var message: Substring
    /// The printk caller id (`T123` or `C1`) when the line had one.
    public var callerID: Substring?

    public init(number: Int, bytes: [UInt8], terminator: [UInt8]) {
        self.number = number
        self.bytes = bytes
        self.terminator = terminator
        let cleaned = bytes.contains(0) ? bytes.filter { $0 != 0 } : bytes
        var text = String(decoding: cleaned, as: UTF8.self)
        if text.utf8.last == UInt8(ascii: "\r") { text.removeLast() }
        self.text = text
        let stripped = LinePrefix.strip(text[...])
        self.message = stripped.message
        self.callerID = stripped.callerID
    }
}

/// Recognises and removes the prefixes that logging adds in front of a
/// kernel message.
///
/// | prefix | example |
/// |---|---|
/// | syslog | `Nov 27 10:00:01 host kernel: ` |
/// | ISO syslog / journalctl -o short-iso | `2026-11-27T10:00:01+0000 host kernel: ` |
/// | journalctl -o short-monotonic | `[   12.345678] host kernel: ` |
/// | printk level | `<4>` |
/// | printk time | `[   12.345678] ` |
/// | printk caller id | `[ T123] `, `[  C1] ` |
public enum LinePrefix {
    /// Splits a line into its prefixes and the message.
    public static func strip(_ line: Substring) -> (message: Substring, callerID: Substring?) {
        var rest = line
        var callerID: Substring?
        var changed = true
        while changed {
            changed = false
            if let after = stripSyslog(rest) {
                rest = after
                changed = true
            }
            if let after = stripLevel(rest) {
                rest = after
                changed = true
            }
            if let (after, caller) = stripBracket(rest) {
                rest = after
                if caller != nil { callerID = caller }
                changed = true
            }
        }
        return (rest, callerID)
    }

    /// `<N>` or `<NN>`: a printk level as `dmesg -r` and consoles with `ignore_loglevel` print.
    private static func stripLevel(_ text: Substring) -> Substring? {
        let utf8 = text.utf8
        guard utf8.first == UInt8(ascii: "<") else { return nil }
        var index = utf8.index(after: utf8.startIndex)
        var digits = 0
        while index < utf8.endIndex, isDigit(utf8[index]), digits < 3 {
            index = utf8.index(after: index)
            digits += 1
        }
        guard digits > 0, index < utf8.endIndex, utf8[index] == UInt8(ascii: ">") else { return nil }
        return text[utf8.index(after: index)...]
    }

    /// `[   12.345678]` (time) or `[ T123]`/`[  C1]` (caller id), each
    /// followed by at most one space.
    private static func stripBracket(_ text: Substring) -> (Substring, Substring?)? {
        let utf8 = text.utf8
        guard utf8.first == UInt8(ascii: "[") else { return nil }
        var index = utf8.index(after: utf8.startIndex)
        while index < utf8.endIndex, utf8[index] == UInt8(ascii: " ") { index = utf8.index(after: index) }
        let contentStart = index
        var caller: Substring?
        if index < utf8.endIndex, utf8[index] == UInt8(ascii: "T") || utf8[index] == UInt8(ascii: "C") {
            index = utf8.index(after: index)
            let digitsStart = index
            while index < utf8.endIndex, isDigit(utf8[index]) { index = utf8.index(after: index) }
            guard index > digitsStart, index < utf8.endIndex, utf8[index] == UInt8(ascii: "]") else { return nil }
            caller = text[contentStart..<index]
        } else {
            let digitsStart = index
            while index < utf8.endIndex, isDigit(utf8[index]) { index = utf8.index(after: index) }
            guard index > digitsStart, index < utf8.endIndex, utf8[index] == UInt8(ascii: ".") else { return nil }
            index = utf8.index(after: index)
            let fractionStart = index
            while index < utf8.endIndex, isDigit(utf8[index]) { index = utf8.index(after: index) }
            guard index > fractionStart, index < utf8.endIndex, utf8[index] == UInt8(ascii: "]") else { return nil }
        }
        index = utf8.index(after: index)
        if index < utf8.endIndex, utf8[index] == UInt8(ascii: " ") { index = utf8.index(after: index) }
        // journalctl -o short-monotonic: "[   12.345678] host kernel: "
        let after = text[index...]
        if let kernel = after.firstRange(of: " kernel: "), !after[..<kernel.lowerBound].contains(" ") {
            return (after[kernel.upperBound...], caller)
        }
        return (after, caller)
    }

    /// `Mon DD HH:MM:SS host kernel: ` and `YYYY-MM-DDTHH:MM:SS… host kernel: `.
    private static func stripSyslog(_ text: Substring) -> Substring? {
        guard let kernel = text.firstRange(of: " kernel: ") else { return nil }
        let head = text[..<kernel.lowerBound]
        let fields = head.split(separator: " ", omittingEmptySubsequences: true)
        let utf8 = head.utf8
        guard let first = utf8.first else { return nil }
        if isDigit(first) {
            // ISO time stamp, then the host name.
            guard fields.count == 2, fields[0].contains("T"), fields[0].contains(":") else { return nil }
        } else {
            // "Nov 27 10:00:01 host"
            guard fields.count == 4, fields[0].count == 3, fields[0].first?.isUppercase == true,
                fields[2].split(separator: ":").count == 3
            else { return nil }
        }
        return text[kernel.upperBound...]
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
