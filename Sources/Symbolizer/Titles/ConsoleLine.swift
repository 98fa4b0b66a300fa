/// One console line as syzbot sees it: its printk context and its text
/// without the timestamp/caller prefix.
struct ConsoleLine {
    /// Who printed the line, from its console prefix.
    enum Context: Equatable {
        /// No timestamp.
        case none
        /// A timestamp without a caller id.
        case console
        /// The caller id exactly as printed, padding included: `[ T4090]`, `[    C1]`.
        case caller(String)

        /// A CPU (interrupt/NMI) context, `[ *C[0-9]+]`.
        var isCPU: Bool {
            if case .caller(let id) = self { return LinuxConsole.cpuCaller.matches(id) }
            return false
        }
    }

    /// The whole line (every `\r` removed).
    var text: String
    var context: Context = .none
    /// The text after the console prefix, up to and including the line's first `] ` (the whole
    /// line when it has no prefix); for a questionable frame, the text from its function on.
    var stripped: String
    /// An x86 ` ? func` frame or a powerpc `(unreliable)` one: not part of the report.
    var questionable = false

    init(_ text: String) {
        self.text = text
        stripped = text
    }

    /// Marks an x86 ` ? func` frame or a powerpc `(unreliable)` one (prefixed lines only; an
    /// `<EOI>` line is never questionable).
    mutating func checkQuestionable() {
        guard context != .none, !stripped.contains("<EOI>") else { return }
        if LinuxConsole.questionableFrame.matches(stripped), let mark = ByteSearch.firstRange(of: " ? ", in: stripped) {
            stripped = String(stripped.unicodeScalars[stripped.unicodeScalars.index(before: mark.upperBound)...])
            questionable = true
        } else if stripped.hasSuffix(" (unreliable)") {
            stripped = String(stripped.dropLast(" (unreliable)".count))
            questionable = true
        }
    }
}

/// Patterns of Linux console lines beyond their prefix (which ``LinePrefix/consolePrefix(of:)`` reads).
enum LinuxConsole {
    static let cpuCaller = TitleRegex(#"\[ *C[0-9]+\]"#)
    static let questionableFrame = TitleRegex(#"(\[\<[0-9a-f]+\>\])? \? "#)

    /// Whether `line` may hold a questionable frame: ` ? ` in it, or ` (unreliable)` at its end.
    static func mayBeQuestionable(_ line: String) -> Bool {
        ByteSearch.contains(line, " ? ") || ByteSearch.hasSuffix(line, " (unreliable)")
    }
}
