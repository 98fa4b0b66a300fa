/// Recognises and removes the prefixes that logging, pasting and quoting add
/// in front of a kernel message: a small grammar, not one pattern per tool.
///
/// A line is `[indent] outer* inner* message`, where each element may itself
/// be indented:
///
/// | element | kind | examples |
/// |---|---|---|
/// | quote | outer | `> `, `>> `, `> > ` (e-mail, tracker quotes), `| ` (commit messages) |
/// | dropped-messages notice | outer | `** 93 printk messages dropped ** ` (the console glues it before the next record) |
/// | login prompt | outer | `host login: ` before a time stamp (serial consoles) |
/// | `/dev/kmsg` record | outer | `4,1234,5678901,-;` |
/// | `dmesg -x` facility | outer | `kern  :warn  : ` |
/// | syslog/journal header | outer | `Nov 27 10:00:01 host kernel: `, `Jan 18 14:36:32 kernel: `, `Sun Sep  1 19:30:19 2019 kern.warn kernel: `, `2026-11-27T10:00:01+0000 host kernel: `, `Mär 3 10:00:01.123456 host kernel: ` (any month word, any language) |
/// | date/time stamp | outer | `[Sun Sep  1 19:30:19 2019] ` (`dmesg -T`), `[12:34:56:789] `, `2026-11-27 10:00:01.123 `, `10:00:01.123 ` (serial loggers) |
/// | printk level | inner | `<4>` |
/// | printk time | inner | `[   12.345678] `, `[  240.] ` |
/// | printk caller id | inner | `[ T123] `, `[  C1]` |
///
/// Outer prefixes are what tools added; inner ones are the kernel's own
/// console prefix. ``Split/console`` keeps the inner ones (what syzbot's
/// title rules read), ``Split/message`` has neither.
public enum LinePrefix {
    /// A line split into its prefixes and its message.
    public struct Split: Sendable {
        /// The kernel message: no prefix left.
        public var message: Substring
        /// The printk caller id (`T123`, `C1`) when the line had one.
        public var callerID: Substring?
        /// The line from its kernel console prefix on: the outer prefixes removed.
        public var console: Substring
    }

    /// Splits a line into its prefixes and the message.
    ///
    /// Read on the line's bytes, with offsets: this runs on every line of
    /// every log. The rarer prefixes (syslog headers, date stamps) are
    /// checked as text once a byte of theirs has been seen.
    public static func split(_ line: Substring) -> Split {
        let (message, caller, console) = line.withUTF8Bytes { bytes -> (Int, Range<Int>?, Int) in
            var rest = 0
            var console = 0
            var callerID: Range<Int>?
            var innerSeen = false
            /// Removes one prefix at `start`, if there is one there.
            func removePrefix(at start: Int) -> Bool {
                if !innerSeen, let after = outer(bytes, at: start, of: line) {
                    rest = after
                    console = after
                    return true
                }
                if let (after, caller) = inner(bytes, at: start) {
                    // Blanks before the kernel's own prefix were added by whoever pasted the line.
                    if !innerSeen { console = start }
                    rest = after
                    if let caller { callerID = caller }
                    innerSeen = true
                    return true
                }
                return false
            }
            while removePrefix(at: rest) || indentation(bytes, at: rest).map(removePrefix(at:)) == true {}
            return (rest, callerID, console)
        }
        // A slice costs some 400 instructions: none is made for an offset of 0 (a line without
        // outer prefixes is its own console text).
        let utf8 = line.utf8
        func index(_ offset: Int) -> String.Index { utf8.index(utf8.startIndex, offsetBy: offset) }
        func from(_ offset: Int) -> Substring { offset == 0 ? line : line[index(offset)...] }
        return Split(
            message: from(message), callerID: caller.map { line[index($0.lowerBound)..<index($0.upperBound)] },
            console: from(console))
    }

    /// Splits a line into its prefixes and the message.
    public static func strip(_ line: Substring) -> (message: Substring, callerID: Substring?) {
        let parts = split(line)
        return (parts.message, parts.callerID)
    }

    /// Where the text after leading blanks at `start` begins, when there are some.
    private static func indentation(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int? {
        var index = start
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
        return index > start && index < bytes.count ? index : nil
    }

    /// Whether `byte` is among the `limit` bytes from `start`.
    private static func has(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int, within limit: Int) -> Bool {
        ByteSearch.offset(of: byte, in: bytes, from: start, within: limit) != nil
    }

    // MARK: Outer prefixes

    /// The offset after the outer prefix at `start`, if there is one. Every
    /// prefix read as text first has a byte of its seen here: a colon (time
    /// of day, `kernel:`, `login:`, `kern  :`), `;` (kmsg) or `]` (a stamp's).
    private static func outer(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, of line: Substring) -> Int? {
        guard start < bytes.count else { return nil }
        // `kernel:` ends within 120 bytes, ` login: ` within 80, a time of day within 64.
        switch bytes[start] {
        case UInt8(ascii: ">"):
            // `> `: a quoted line (each level removed in turn).
            return start + 1 < bytes.count && bytes[start + 1] == UInt8(ascii: " ") ? start + 2 : start + 1
        case UInt8(ascii: "|"):
            return start + 1 < bytes.count && bytes[start + 1] == UInt8(ascii: " ") ? start + 2 : nil
        case UInt8(ascii: "["):
            // Most brackets are the kernel's own time stamp, which has no colon.
            guard let close = ByteSearch.offset(of: UInt8(ascii: "]"), in: bytes, from: start, within: 48),
                has(UInt8(ascii: ":"), in: bytes, from: start, within: close - start)
            else { return nil }
            return parsed(line, from: start, by: [bracketedStamp])
        case UInt8(ascii: "*"): return parsed(line, from: start, by: [droppedNotice])
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            if has(UInt8(ascii: ";"), in: bytes, from: start, within: 48), let after = parsed(line, from: start, by: [kmsgRecord]) {
                return after
            }
            guard has(UInt8(ascii: ":"), in: bytes, from: start, within: 120) else { return nil }
            return parsed(line, from: start, by: [syslog, leadingStamp])
        default:
            guard has(UInt8(ascii: ":"), in: bytes, from: start, within: 120) else { return nil }
            return parsed(line, from: start, by: [facility, syslog, loginPrompt])
        }
    }

    /// The first of `parsers` that reads a prefix in `line` from byte `start`: the offset where
    /// what it leaves starts.
    private static func parsed(_ line: Substring, from start: Int, by parsers: [(Substring) -> Substring?]) -> Int? {
        let utf8 = line.utf8
        let text = line[utf8.index(utf8.startIndex, offsetBy: start)...]
        for parse in parsers {
            if let rest = parse(text) { return utf8.distance(from: utf8.startIndex, to: rest.startIndex) }
        }
        return nil
    }

    /// `fedora-riscv-4 login: ` glued in front of a console line (a serial console's
    /// login prompt), when a kernel time stamp follows.
    private static func loginPrompt(_ text: Substring) -> Substring? {
        guard let login = ByteSearch.firstRange(of: " login: ", in: text, withinFirst: 80) else { return nil }
        let host = text[..<login.lowerBound]
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        let rest = text[login.upperBound...]
        return rest.first == "[" ? rest : nil
    }

    /// `LEVEL,SEQ,MICROSECONDS,FLAGS[,…];` of a raw `/dev/kmsg` record.
    private static func kmsgRecord(_ text: Substring) -> Substring? {
        let utf8 = text.utf8
        guard let semicolon = utf8.prefix(48).firstIndex(of: UInt8(ascii: ";")) else { return nil }
        let fields = text[..<semicolon].split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count >= 4, fields[0].count <= 3, fields[0...2].allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
            fields[3].allSatisfy({ "-+c".contains($0) })
        else { return nil }
        return text[utf8.index(after: semicolon)...]
    }

    private static let facilities: Set<Substring> = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ]
    private static let levels: Set<Substring> = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"]

    /// `dmesg -x`: `kern  :warn  : `.
    private static func facility(_ text: Substring) -> Substring? {
        // memchr: a line with a colon further on (`/sys/module/…:0x…`) is turned away at once.
        guard let offset = text.withUTF8Bytes({ ByteSearch.offset(of: UInt8(ascii: ":"), in: $0, within: 12) }) else { return nil }
        let colon = text.utf8.index(text.startIndex, offsetBy: offset)
        guard facilities.contains(text[..<colon].trimmingSpaces) else { return nil }
        let afterFacility = text[text.utf8.index(after: colon)...]
        guard let second = afterFacility.utf8.prefix(10).firstIndex(of: UInt8(ascii: ":")),
            levels.contains(afterFacility[..<second].trimmingSpaces)
        else { return nil }
        var rest = afterFacility[afterFacility.index(after: second)...]
        if rest.first == " " { rest = rest.dropFirst() }
        return rest
    }

    /// A syslog or journal header ending in `kernel: `: before it, at most
    /// seven short fields, one of them a time of day (`10:00:01`,
    /// `10:00:01.123456`, or an ISO date-time), the others date words,
    /// numbers, a host name or a `facility.level`.
    private static func syslog(_ text: Substring) -> Substring? {
        guard let kernel = ByteSearch.firstRange(of: "kernel:", in: text, withinFirst: 120) else { return nil }
        let head = text[..<kernel.lowerBound]
        guard head.isEmpty || head.last == " " else { return nil }
        let fields = head.split(separator: " ")
        guard !fields.isEmpty, fields.count <= 7, fields.contains(where: isTimeOfDay) else { return nil }
        // Installers' logs write no space after it: "00:09:50,669 ALERT kernel:8<--- cut here ---".
        var rest = text[kernel.upperBound...]
        if rest.first == " " { rest = rest.dropFirst() }
        return rest
    }

    /// `[Sun Sep  1 19:30:19 2019] ` (`dmesg -T`), `[12:34:56:789] `,
    /// `[2026-11-27 10:00:01] `: a bracket holding a time of day and
    /// nothing but date words and numbers.
    private static func bracketedStamp(_ text: Substring) -> Substring? {
        guard let close = text.utf8.prefix(48).firstIndex(of: UInt8(ascii: "]")) else { return nil }
        let content = text[text.index(after: text.startIndex)..<close]
        let fields = content.split(separator: " ")
        guard !fields.isEmpty, fields.contains(where: isTimeOfDay),
            fields.allSatisfy({ isTimeOfDay($0) || isDateWord($0) })
        else { return nil }
        var rest = text[text.index(after: close)...]
        if rest.first == " " { rest = rest.dropFirst() }
        return rest
    }

    /// `2026-11-27 10:00:01.123 `, `2026-11-27T10:00:01+00:00 `,
    /// `10:00:01.123 ` at the start of a line (serial console loggers).
    private static func leadingStamp(_ text: Substring) -> Substring? {
        let fields = text.prefix(64).split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count >= 2 else { return nil }
        var taken = 0
        if isTimeOfDay(fields[0]) {
            taken = 1
        } else if fields.count == 3, isISODate(fields[0]), isTimeOfDay(fields[1]) {
            taken = 2
        }
        guard taken > 0 else { return nil }
        let end = fields[taken - 1].endIndex
        return text[text.index(after: end)...]
    }

    /// `10:00:01`, `10:00:01.123456`, `12:34:56:789`, `10:00:01,123`, an ISO date-time
    /// (`2026-11-27T10:00:01+0000`), or `10:00` followed by seconds.
    static func isTimeOfDay(_ field: Substring) -> Bool {
        var field = field
        if let t = field.firstIndex(of: "T"), isISODate(field[..<t]) { field = field[field.index(after: t)...] }
        let parts = field.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts.count <= 4, parts[0].count <= 2, parts[0].count >= 1, parts[1].count == 2 else {
            return false
        }
        guard parts[0].allSatisfy(\.isASCIIDigit), parts[1].allSatisfy(\.isASCIIDigit) else { return false }
        // Seconds, then an optional fraction or zone: 01, 01.123, 01,123, 01+0000, 01Z.
        let seconds = parts[2]
        guard seconds.count >= 2, seconds.prefix(2).allSatisfy(\.isASCIIDigit) else { return false }
        return seconds.dropFirst(2).allSatisfy { $0.isASCIIDigit || ".,+-Z".contains($0) }
            && parts.dropFirst(3).allSatisfy { $0.allSatisfy { $0.isASCIIDigit || ".,".contains($0) } }
    }

    /// `2026-11-27`.
    private static func isISODate(_ field: Substring) -> Bool {
        let parts = field.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2
            && parts.allSatisfy { $0.allSatisfy(\.isASCIIDigit) }
    }

    /// A weekday or month word in any language (`Sun`, `Mär`, `janv.`), a
    /// number (day, year), an ISO date, or a time zone (`UTC`, `+0000`).
    private static func isDateWord(_ field: Substring) -> Bool {
        if isISODate(field) { return true }
        if field.allSatisfy(\.isASCIIDigit) { return field.count <= 4 }
        if (field.first == "+" || field.first == "-"), field.dropFirst().allSatisfy({ $0.isASCIIDigit || $0 == ":" }) {
            return true
        }
        let word = field.last == "." || field.last == "," ? field.dropLast() : field
        return !word.isEmpty && word.count <= 10 && word.allSatisfy(\.isLetter)
    }

    // MARK: Inner (kernel console) prefixes

    /// `<N>`, `[   12.345678]`, `[ T123]`, `[  C1]` at `start`: where what
    /// is left starts, and the caller id's bytes when the element was one.
    private static func inner(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (Int, Range<Int>?)? {
        if let after = level(bytes, at: start) { return (after, nil) }
        guard let (after, caller) = bracket(bytes, at: start) else { return nil }
        // journalctl -o short-monotonic: "[   12.345678] host kernel: "
        if caller == nil, has(UInt8(ascii: ":"), in: bytes, from: after, within: 80),
            let kernel = ByteSearch.firstOffset(of: Self.kernelWord, in: UnsafeBufferPointer(rebasing: bytes[after..<min(bytes.count, after + 80)])),
            !has(UInt8(ascii: " "), in: bytes, from: after, within: kernel)
        {
            return (after + kernel + Self.kernelWord.count, nil)
        }
        return (after, caller)
    }

    private static let kernelWord = Array(" kernel: ".utf8)

    /// `<N>` or `<NN>`: a printk level as `dmesg -r` and consoles with `ignore_loglevel` print.
    private static func level(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int? {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "<") else { return nil }
        var index = start + 1
        while index < bytes.count, isDigit(bytes[index]), index - start <= 3 { index += 1 }
        guard index > start + 1, index < bytes.count, bytes[index] == UInt8(ascii: ">") else { return nil }
        return index + 1
    }

    /// `[   12.345678]` or `[  240.]` (time) or `[ T123]`/`[  C1]` (caller
    /// id), each followed by at most one space.
    private static func bracket(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (Int, Range<Int>?)? {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "[") else { return nil }
        var index = start + 1
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
        let contentStart = index
        var caller: Range<Int>?
        if index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "C") {
            index += 1
            let digitsStart = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index > digitsStart, index < bytes.count, bytes[index] == UInt8(ascii: "]") else { return nil }
            caller = contentStart..<index
        } else {
            let digitsStart = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index > digitsStart, index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return nil }
            index += 1
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "]") else { return nil }
        }
        index += 1
        if index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
        return (index, caller)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}

extension Substring {
    /// Without leading and trailing blanks.
    fileprivate var trimmingSpaces: Substring {
        let start = drop { $0 == " " || $0 == "\t" }
        var end = start
        while let last = end.last, last == " " || last == "\t" { end = end.dropLast() }
        return end
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
