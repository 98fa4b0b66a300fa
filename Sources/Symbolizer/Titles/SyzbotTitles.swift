/// Crash titles by syzbot's rules (google/syzkaller `pkg/report`, Linux), so that a
/// crash found here is filed under the same name syzbot would give it.
public enum SyzbotTitles {
    /// Compiles every pattern of the tables now (they are compiled on first
    /// use otherwise: a log needs few of them) and returns how many there
    /// are. A long-running process may call it to have them warm; the tests
    /// call it to check that every pattern compiles.
    @discardableResult
    public static func compileAllPatterns() throws -> Int {
        var count = 0
        func visit(_ value: Any) throws {
            if let regex = value as? TitleRegex {
                try regex.compile()
                count += 1
                return
            }
            if value is LazyRegex || value is Lazy<[TitleFormat]> { return }
            for child in Mirror(reflecting: value).children { try visit(child.value) }
        }
        try visit(LinuxOopses.groups)
        try visit(LinuxOopses.groups.map(\.formats))
        try visit(LinuxOopses.suppressions)
        try visit(LinuxStack.rip)
        try visit(LinuxStack.callTrace)
        try visit(LinuxStack.warningTrap)
        try visit(LinuxStack.stackStarts)
        try visit(LinuxStack.anyStackStart)
        try visit(LinuxStack.frameLines)
        try visit(LinuxStack.corruptedLine)
        try visit(LinuxStack.skipped)
        try visit(LinuxStack.stallAnchors)
        try visit(TitleNormalization.replacements)
        try visit([LinuxConsole.cpuCaller, LinuxConsole.questionableFrame, LinuxCorruption.timestamp])
        return count
    }

    /// The first crash in a console log (lines without their "\n"; a trailing "\r" is tolerated).
    public static func firstCrash(in lines: [String]) -> CrashTitle? {
        ConsoleLog(lines).crash(from: 0)
    }

    /// Every crash: the first, then repeatedly the first one starting after the previous one's start line.
    public static func crashes(in lines: [String]) -> [CrashTitle] {
        let log = ConsoleLog(lines)
        var found: [CrashTitle] = []
        var from = 0
        while let crash = log.crash(from: from) {
            found.append(crash)
            from = crash.startLine  // the 0-based index of the line after the start line
        }
        return found
    }
}

extension ConsoleLog {
    /// The first crash starting at line `from` (0-based) or later.
    func crash(from: Int) -> CrashTitle? {
        guard let start = (from..<max(from, lines.count)).first(where: startsReport),
            let groupIndex = headers[start]
        else { return nil }
        let group = LinuxOopses.groups[groupIndex]
        var extent = ReportExtent(log: self, start: start)

        var description = TitleExtraction.describe(extent.titleText(self), group: group)
        var reason = description.corruptedReason
        if description.title.isEmpty {
            // Only when the header hid in a login prompt: retry on the raw lines from the start to the last header.
            let raw = lines[start...extent.lastHeader].map(\.text).joined(separator: "\n")
            description = TitleExtraction.describe(raw, group: group)
            reason = description.corruptedReason
                ?? TitleExtraction.corruption(title: description.title, report: raw, format: description.format)
        } else if reason == nil {
            reason = TitleExtraction.corruption(title: description.title, report: &extent, in: self,
                                                format: description.format)
        }
        if vmDisconnected && reason == nil { reason = "serialport: VM disconnected" }
        let title = TitleNormalization.normalize(description.title)
        let alternatives = TitleExtraction.unique(description.alternatives.map(TitleNormalization.normalize))
        return CrashTitle(
            title: title, alternativeTitles: alternatives, type: CrashType.of(description.title),
            frame: TitleNormalization.frame(of: title), corrupted: reason != nil, corruptedReason: reason,
            startLine: start + 1, endLine: extent.lastHeader + 1, panicked: (lastPanic ?? -1) >= from,
            suppressed: suppressed)
    }
}
