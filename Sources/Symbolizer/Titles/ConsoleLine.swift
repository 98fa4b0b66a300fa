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

        /// A task or CPU caller id (CONFIG_PRINTK_CALLER): contexts then separate reports.
        var isCaller: Bool {
            if case .caller = self { return true }
            return false
        }

        /// A task context, `[ *T[0-9]+]`.
        var isTask: Bool {
            if case .caller(let id) = self { return LinuxConsole.taskCaller.matches(id) }
            return false
        }
    }

    /// The whole line (every `\r` removed).
    var text: String
    var context: Context
    /// The text after the console prefix (the whole line without one); for a questionable
    /// frame, the text from its function on.
    var stripped: String
    /// An x86 ` ? func` frame or a powerpc `(unreliable)` one: not part of the report.
    var questionable: Bool

    init(_ line: String) {
        text = line.contains("\r") ? line.replacingOccurrences(of: "\r", with: "") : line
        questionable = false
        guard let match = LinuxConsole.prefix.firstMatch(in: text) else {
            context = .none
            stripped = text
            return
        }
        context = match.groups.first.flatMap { $0 }.map(Context.caller) ?? .console
        var rest = Substring(text)
        if let close = text.range(of: "] ") { rest = text[close.upperBound...] }
        if !rest.contains("<EOI>") {
            if LinuxConsole.questionableFrame.matches(String(rest)), let mark = rest.range(of: " ? ") {
                rest = rest[rest.index(after: mark.lowerBound)...].dropFirst()
                questionable = true
            } else if rest.hasSuffix(" (unreliable)") {
                rest = rest.dropLast(" (unreliable)".count)
                questionable = true
            }
        }
        stripped = String(rest)
    }
}

/// Console prefix patterns of Linux logs.
enum LinuxConsole {
    /// Timestamp prefix with an optional caller id (group 1), possibly after a dropped-messages
    /// notice, a login prompt or a syslog level.
    static let prefix = TitleRegex(
        #"^(?:\*\* [0-9]+ printk messages dropped \*\* )?(?:.* login: )?(?:\<[0-9]+\>)?\[ *[0-9]+\.[0-9]+\](\[ *(?:C|T)[0-9]+\])? "#)
    static let taskCaller = TitleRegex(#"\[ *T[0-9]+\]"#)
    static let cpuCaller = TitleRegex(#"\[ *C[0-9]+\]"#)
    static let questionableFrame = TitleRegex(#"(\[\<[0-9a-f]+\>\])? \? "#)
}
