/// The kernel's own console prefix read strictly, as syzbot's title rules
/// read it (`pkg/report`'s `^(?:\*\* N printk messages dropped \*\* )?(.* login: )?(?:<N>)?\[ *N\.N\](\[ *[CT]N\])? `):
/// the same grammar elements as ``LinePrefix/split(_:)``, without the
/// prefixes that tools add, so that titles match syzbot's on its own logs.
extension LinePrefix {
    /// Where a kernel console prefix ends.
    struct ConsolePrefix {
        /// The index just after the prefix (its trailing space included).
        var end: String.Index
        /// Whether a login prompt (`host login: `) came before it.
        var afterLogin: Bool
        /// The caller id exactly as printed, brackets and padding included: `[ T4090]`, `[    C1]`.
        var caller: Substring?
    }

    /// The console prefix at the start of `line`: an optional dropped-messages
    /// notice, an optional login prompt (the last one after which a prefix
    /// follows), an optional `<N>` level, a `[ seconds.fraction]` stamp, a
    /// caller id right after it, one space.
    static func consolePrefix(of line: String) -> ConsolePrefix? {
        let utf8 = line.utf8
        var start = utf8.startIndex
        if let afterNotice = droppedNotice(line[...]) { start = afterNotice.startIndex }
        if ByteSearch.contains(line, " login: ") {
            // `(.* login: )?` is greedy: the last prompt that a prefix follows wins.
            for login in line[start...].ranges(of: " login: ").reversed() {
                if let (end, caller) = stampAndCaller(line[login.upperBound...]) {
                    return ConsolePrefix(end: end, afterLogin: true, caller: caller)
                }
            }
        }
        guard let (end, caller) = stampAndCaller(line[start...]) else { return nil }
        return ConsolePrefix(end: end, afterLogin: false, caller: caller)
    }

    /// `** 12 printk messages dropped ** `: what follows it.
    static func droppedNotice(_ text: Substring) -> Substring? {
        guard text.hasPrefix("** ") else { return nil }
        let utf8 = text.utf8
        var index = utf8.index(utf8.startIndex, offsetBy: 3)
        let digits = index
        while index < utf8.endIndex, isDigit(utf8[index]) { index = utf8.index(after: index) }
        guard index > digits else { return nil }
        let rest = text[index...]
        guard rest.hasPrefix(" printk messages dropped ** ") else { return nil }
        return rest.dropFirst(" printk messages dropped ** ".count)
    }

    /// `<N>`? `[ *N.N]` `[ *(C|T)N]`? and one space: the end and the caller id.
    private static func stampAndCaller(_ text: Substring) -> (String.Index, Substring?)? {
        let utf8 = text.utf8
        var index = utf8.startIndex
        if index < utf8.endIndex, utf8[index] == UInt8(ascii: "<") {
            var cursor = utf8.index(after: index)
            let digits = cursor
            while cursor < utf8.endIndex, isDigit(utf8[cursor]) { cursor = utf8.index(after: cursor) }
            if cursor > digits, cursor < utf8.endIndex, utf8[cursor] == UInt8(ascii: ">") {
                index = utf8.index(after: cursor)
            }
        }
        guard let afterStamp = strictBracket(text[index...], caller: false) else { return nil }
        if let afterCaller = strictBracket(text[afterStamp...], caller: true),
            afterCaller < utf8.endIndex, utf8[afterCaller] == UInt8(ascii: " ")
        {
            return (utf8.index(after: afterCaller), text[afterStamp..<afterCaller])
        }
        guard afterStamp < utf8.endIndex, utf8[afterStamp] == UInt8(ascii: " ") else { return nil }
        return (utf8.index(after: afterStamp), nil)
    }

    /// `[ *N.N]` (a stamp) or `[ *(C|T)N]` (a caller id): the index after its `]`.
    private static func strictBracket(_ text: Substring, caller: Bool) -> String.Index? {
        let utf8 = text.utf8
        guard utf8.first == UInt8(ascii: "[") else { return nil }
        var index = utf8.index(after: utf8.startIndex)
        while index < utf8.endIndex, utf8[index] == UInt8(ascii: " ") { index = utf8.index(after: index) }
        func digits() -> Bool {
            let first = index
            while index < utf8.endIndex, isDigit(utf8[index]) { index = utf8.index(after: index) }
            return index > first
        }
        if caller {
            guard index < utf8.endIndex, utf8[index] == UInt8(ascii: "C") || utf8[index] == UInt8(ascii: "T") else {
                return nil
            }
            index = utf8.index(after: index)
            guard digits() else { return nil }
        } else {
            guard digits(), index < utf8.endIndex, utf8[index] == UInt8(ascii: ".") else { return nil }
            index = utf8.index(after: index)
            guard digits() else { return nil }
        }
        guard index < utf8.endIndex, utf8[index] == UInt8(ascii: "]") else { return nil }
        return utf8.index(after: index)
    }
}
