/// A console log split into lines, with what syzbot's rules need to know of each line.
///
/// syzkaller searches the whole log at once; here each line is looked at on its own, which finds
/// the same: no pattern searched for can match across a line end, except where it begins with the
/// newline before a line (see `markersFromNewline`).
struct ConsoleLog {
    /// Facts about one line.
    struct Flags: OptionSet {
        var rawValue: UInt16
        static let lockDebuggingOff = Flags(rawValue: 1 << 0)
        static let sendingNMI = Flags(rawValue: 1 << 1)
        static let panic = Flags(rawValue: 1 << 2)
        static let circularLocking = Flags(rawValue: 1 << 3)
        static let infoWithStack = Flags(rawValue: 1 << 4)
        static let startIgnore = Flags(rawValue: 1 << 5)
        /// The next line says the kernel is replaying this message (it was cut short).
        static let replayed = Flags(rawValue: 1 << 6)
        /// The stripped text is a frame line (F1/F2) or says `(stack is not available)`.
        static let frameLike = Flags(rawValue: 1 << 7)
        /// A questionable frame: never part of a report (unless it starts one).
        static let questionable = Flags(rawValue: 1 << 8)
        /// Printed from a CPU (interrupt/NMI) context, `[ *C[0-9]+]`.
        static let cpuContext = Flags(rawValue: 1 << 9)
        /// Printed with a caller id (task or CPU).
        static let callerContext = Flags(rawValue: 1 << 10)
    }

    let lines: [ConsoleLine]
    let flags: [Flags]
    /// Per line: the index of the first header group the line starts a report of (replay rule aside).
    let headers: [Int?]
    /// Per line, a number standing for its context: lines print from the same context when equal.
    let contexts: [Int]
    /// Per line, bit k: stack-start marker k matches inside the stripped text.
    let markers: [UInt16]
    /// Per line, bit k: marker k matches from the newline before the line (`[^k] backtrace:`, in
    /// the stripped lines joined by newlines).
    let markersFromNewline: [UInt16]
    /// Per marker: the lines it matches in or before, ascending.
    let markerLines: [[Int]]
    let lastStart: Int?
    let lastPanic: Int?
    let suppressed: Bool
    let vmDisconnected: Bool

    static let replayMarker = Array("** replaying previous printk message **".utf8)
    /// Texts that change how a report is read, per flag, as UTF-8. (None overlaps another, so
    /// looking for each alone finds what syzkaller's one search for all of them finds.)
    static let flagTexts: [(texts: [[UInt8]], flag: Flags)] = [
        (["Disabling lock debugging due to kernel taint"], .lockDebuggingOff),
        (["Sending NMI from CPU"], .sendingNMI),
        (["Kernel panic - not syncing"], [.panic, .startIgnore]),
        (["WARNING: possible circular locking dependency detected"], .circularLocking),
        (LinuxOopses.infoMessagesWithStack, .infoWithStack),
        (LinuxOopses.reportStartIgnores.filter { $0 != "Kernel panic - not syncing" }, .startIgnore),
    ].map { texts, flag in (texts.map { Array($0.utf8) }, flag) }

    init(_ raw: [String]) {
        var texts = raw
        if raw.contains(where: { ByteSearch.contains($0, "\r") }) {
            texts = raw.map { $0.replacingOccurrences(of: "\r", with: "") }
        }
        var lines = texts.map(ConsoleLine.init)
        var flags = [Flags](repeating: [], count: lines.count)
        var headers = [Int?](repeating: nil, count: lines.count)

        for (index, text) in texts.enumerated() {
            if let prefix = LinePrefix.consolePrefix(of: text) {
                lines[index].context = prefix.caller.map { .caller(String($0)) } ?? .console
                if !prefix.afterLogin {
                    lines[index].stripped = String(text.unicodeScalars[prefix.end...])
                } else if let close = ByteSearch.firstRange(of: "] ", in: text) {
                    // After a login prompt, the first "] " ends the prefix.
                    lines[index].stripped = String(text.unicodeScalars[close.upperBound...])
                }
            }
            if LinuxConsole.mayBeQuestionable(text) {
                lines[index].checkQuestionable()
                if lines[index].questionable { flags[index].insert(.questionable) }
            }
            ByteSearch.withBytes(text) { bytes in
                headers[index] = LinuxOopses.groups.firstIndex { $0.starts(text, bytes: bytes) }
                if index > 0 && ByteSearch.firstOffset(of: ConsoleLog.replayMarker, in: bytes) != nil {
                    flags[index - 1].insert(.replayed)
                }
                for (needles, flag) in ConsoleLog.flagTexts
                where needles.contains(where: { ByteSearch.firstOffset(of: $0, in: bytes) != nil }) {
                    flags[index].formUnion(flag)
                }
            }
        }
        var contextNumbers: [String: Int] = [:]
        var contexts = [Int](repeating: 0, count: lines.count)
        for (index, line) in lines.enumerated() {
            switch line.context {
            case .none: contexts[index] = 0
            case .console: contexts[index] = 1
            case .caller(let id):
                contexts[index] = contextNumbers[id, default: contextNumbers.count + 2]
                contextNumbers[id] = contexts[index]
                flags[index].insert(.callerContext)
                if line.context.isCPU { flags[index].insert(.cpuContext) }
            }
        }

        // Stack facts, on the text the reports are made of.
        let strippedWhole = lines.map(\.stripped).joined(separator: "\n")
        var newline = strippedWhole.startIndex  // the newline before line `index`
        var markers = [UInt16](repeating: 0, count: lines.count)
        var markersFromNewline = [UInt16](repeating: 0, count: lines.count)
        for (index, line) in lines.enumerated() {
            for (bit, marker) in LinuxStack.stackStarts.enumerated() {
                if marker.matches(line.stripped) { markers[index] |= 1 << bit }
                if index > 0 && marker.matches(in: strippedWhole, at: newline) { markersFromNewline[index] |= 1 << bit }
            }
            if LinuxStack.frameLines.contains(where: { $0.matches(line.stripped) })
                || ByteSearch.contains(line.stripped, "(stack is not available)")
            {
                flags[index].insert(.frameLike)
            }
            newline = strippedWhole.utf8.index(newline, offsetBy: line.stripped.utf8.count + (index > 0 ? 1 : 0))
        }

        self.lines = lines
        self.flags = flags
        self.headers = headers
        self.contexts = contexts
        self.markers = markers
        self.markersFromNewline = markersFromNewline
        var markerLines = [[Int]](repeating: [], count: LinuxStack.stackStarts.count)
        for index in markers.indices where markers[index] | markersFromNewline[index] != 0 {
            for bit in markerLines.indices where (markers[index] | markersFromNewline[index]) & (1 << bit) != 0 {
                markerLines[bit].append(index)
            }
        }
        self.markerLines = markerLines
        lastStart = headers.indices.last { headers[$0] != nil && !flags[$0].contains(.replayed) }
        lastPanic = flags.lastIndex { $0.contains(.panic) }
        let whole = texts.joined(separator: "\n")
        suppressed = LinuxOopses.suppressions.matches(whole)
        vmDisconnected = whole.contains("serialport: VM disconnected.")
    }

    /// Whether line `index` starts a report (the replay rule included).
    func startsReport(_ index: Int) -> Bool { headers[index] != nil && !flags[index].contains(.replayed) }
}
